"""A paragraph's quoted speech and the narration around it, as spans of its text.

``"How dare you!" he roared, slamming the door.`` is an angry character and a calm narrator:
the emotion stage tags the two apart, so each needs its own span. Pure text functions; no model.

Rules, chosen for how fiction prints dialogue:
- Double quotes (“…”, "…") and Japanese brackets (「…」, 『…』) open speech wherever they stand.
- Single quotes (‘…’, '…') open speech only at the start of a word (after a space, an opening
  bracket or a dash), so apostrophes (don’t, the dogs’ bones, ’tis) never open one; a closing
  single quote is one not followed by a letter, preferring one after punctuation
  (‘The dogs’ bones are gone,’ closes after "gone,"). Straight single quotes count only in a
  paragraph without double quotes, where they are the only quoting style.
- Inside a quote, other marks are part of it: nested quotes do not split speech.
- A quote still open at the paragraph's end runs to the end (a speech over several paragraphs
  leaves its closing mark off until the last); a closing ” with no opener before it closes
  speech that began in an earlier paragraph.
- A short quote inside a sentence (``he called it "fine" and left``) is a mention, not speech:
  it stays narration.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

# opener -> closer
_DOUBLE = {"“": "”", '"': '"', "「": "」", "『": "』"}
_SINGLE = {"‘": "’", "'": "'"}
_CLOSE_PUNCT = set(".,!?;:…—–-")
_SPEECH_END = set(".!?…—–-")  # a quote ending so is a sentence spoken, not a word mentioned
_MENTION_WORDS = 3  # at most this many words and mid-sentence: a mention


@dataclass(frozen=True)
class Span:
    """``text[start:end]`` of a paragraph: speech (with its quote marks) or narration."""

    start: int
    end: int
    speech: bool


def _is_word_start(text: str, i: int) -> bool:
    return i == 0 or text[i - 1].isspace() or text[i - 1] in "([—–-\"“"


class _Closers:
    """Where each single quote mark could close, found once per paragraph: looked up by bisection,
    so a paragraph of many openers stays linear (a run of 20,000 apostrophes rescanned the rest of
    the paragraph from each one: quadratic)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._all: dict[str, list[int]] = {}
        self._after_punct: dict[str, list[int]] = {}
        self._openers: dict[str, list[int]] = {}

    def _lists(self, closer: str) -> tuple[list[int], list[int]]:
        if closer not in self._all:
            text = self.text
            found = [i for i, c in enumerate(text) if c == closer and not (i + 1 < len(text) and text[i + 1].isalpha())]
            self._all[closer] = found
            self._after_punct[closer] = [i for i in found if i > 0 and text[i - 1] in _CLOSE_PUNCT]
        return self._all[closer], self._after_punct[closer]

    def closer(self, start: int, closer: str) -> int | None:
        """Index of the closing single quote for one opened at ``start - 1``; None: not closed.
        An empty quote is no quote; a close after punctuation is preferred."""
        found, after_punct = self._lists(closer)
        n = bisect.bisect_right(after_punct, start)
        if n < len(after_punct):
            return after_punct[n]
        n = bisect.bisect_right(found, start)
        return found[n] if n < len(found) else None

    def opener_between(self, mark: str, after: int, before: int) -> bool:
        """Whether ``mark`` opens a word somewhere strictly between ``after`` and ``before``."""
        if mark not in self._openers:
            self._openers[mark] = [j for j, c in enumerate(self.text) if c == mark and _is_word_start(self.text, j)]
        openers = self._openers[mark]
        n = bisect.bisect_right(openers, after)
        return n < len(openers) and openers[n] < before


def _quotes(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, closed) of each top-level quote, marks included."""
    straight_single = '"' not in text and "“" not in text
    found: list[tuple[int, int, bool]] = []
    closers = _Closers(text)
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "”" and not found and "“" not in text[:i]:
            # speech continued from an earlier paragraph, closing here
            found.append((0, i + 1, True))
            i += 1
            continue
        if ch in _DOUBLE:
            end = text.find(_DOUBLE[ch], i + 1)
            closed = end != -1
            end = end + 1 if closed else len(text)
            found.append((i, end, closed))
            i = end
            continue
        if ch in _SINGLE and (ch == "‘" or straight_single) and _is_word_start(text, i):
            close = closers.closer(i + 1, _SINGLE[ch])
            if close is None:
                # an unclosed ‘ runs on only where it opens the paragraph: elsewhere it is
                # likelier an apostrophe-like use than a speech left open
                if i == 0 and ch == "‘":
                    found.append((0, len(text), False))
                    break
                i += 1
                continue
            if closers.opener_between(ch, i, close):
                i += 1  # another opener before the close: this one was an elision ('Tis, 'em)
                continue
            found.append((i, close + 1, True))
            i = close + 1
            continue
        i += 1
    return found


def _is_mention(text: str, start: int, end: int, closed: bool) -> bool:
    """A short quoted word or phrase inside a sentence: a name, a title, a term."""
    if not closed or text[start] in "「『":
        return False
    inner = text[start + 1 : end - 1].strip()
    if not inner or inner[-1] in "!?":
        return not inner
    before = text[:start].rstrip()
    mid_sentence = bool(before) and (before[-1].isalnum())
    if inner[-1] in _SPEECH_END and not mid_sentence:
        return False
    return mid_sentence and len(inner.split()) <= _MENTION_WORDS


def split_spans(text: str) -> list[Span]:
    """``text`` as speech and narration spans in order, each stripped of surrounding spaces.

    Between them only whitespace is left out; a gap of only punctuation joins the span
    before it (or after it, at the start). A paragraph without speech is one narration span;
    an empty one has none.
    """
    quotes = [(s, e) for s, e, closed in _quotes(text) if not _is_mention(text, s, e, closed)]
    spans: list[Span] = []
    pos = 0
    pending = None  # start of a punctuation-only gap at the very start, folded into what follows
    for start, end in [*quotes, (len(text), len(text))]:
        gap = text[pos:start]
        stripped = gap.strip()
        if stripped:
            left = pos + len(gap) - len(gap.lstrip())
            right = start - (len(gap) - len(gap.rstrip()))
            if any(c.isalnum() for c in stripped):
                spans.append(Span(left if pending is None else pending, right, False))
                pending = None
            elif spans:
                last = spans[-1]
                spans[-1] = Span(last.start, right, last.speech)
            elif pending is None:
                pending = left
        if start < end:
            spans.append(Span(start if pending is None else pending, end, True))
            pending = None
        pos = end
    if pending is not None:  # only punctuation in the whole paragraph
        spans.append(Span(pending, len(text.rstrip()), False))
    return spans


def span_texts(text: str) -> list[tuple[str, bool]]:
    """(text, is speech) of each span of ``text``."""
    return [(text[s.start : s.end], s.speech) for s in split_spans(text)]


def replace_spans(text: str, spans: list[Span], new: list[str]) -> str:
    """``text`` with each span's text replaced by ``new`` (same order), whitespace between kept."""
    out, pos = [], 0
    for span, replacement in zip(spans, new, strict=True):
        out.append(text[pos : span.start])
        out.append(replacement)
        pos = span.end
    out.append(text[pos:])
    return "".join(out)
