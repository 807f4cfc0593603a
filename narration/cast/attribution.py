"""Who says each quote: a sieve of rules, the surest first, each quote left to the narrator
when the evidence is weak.

Quotes are the speech spans of ``narration.text.spans.split_spans``, keyed as the script keys
them: (chapter, paragraph, span). In order:

1. ``explicit``: a speech frame names the speaker next to the quote ("said the Hatter",
   ``Alice said,``); an interrupted quote's halves share it. A frame naming no one we know
   ("said one", "another said", "said the third man") keeps its quote with the narrator and
   out of the turns; "one of the Munchkins" is the Munchkins' where they speak.
2. ``first-person``: ``I said``: the narrator speaks (speaker None, the narrator's voice).
3. ``pronoun``: ``she cried``: the nearest character of that gender mentioned before it in
   the narration (quotes left out: a name there is likelier the one spoken to).
4. ``paragraph``: the other quotes of a paragraph with a speaker are that speaker's.
5. ``continued``: a quote left open at a paragraph's end goes on in the next.
6. ``vocative``: the line after one addressing X ("Watson, come here") is X's; where X is a
   first-person narrator, only once turn-taking has said nothing (the narrator listens to most
   of the talk they tell: "You hear that, Watson?" is an aside, answered by the other).
7. ``actor``: the subject of the sentence before the quote ("Holmes leaned forward.");
   ``actor-pronoun``: a pronoun there ("He lifted up his hair."), resolved as a frame's.
8. ``turns``: in a run of dialogue between two, lines alternate; after one speaker's two turns
   in a row (a pause, "He unrolled the map."), the next is the one they were talking with.

Each rule's confidence is its measured precision (``CONFIDENCE``); below ``min_confidence`` the
narrator reads the quote.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from narration.cast.characters import (
    Character,
    build_characters,
    gender_of,
    gendered_noun,
    is_anaphoric,
)
from narration.cast.frames import (
    NOT_NAMES,
    OPENER,
    PRONOUNS,
    Frame,
    ends_sentence,
    frame_after,
    frame_before,
    last_sentence,
    trim_np,
)
from narration.cast.names import (
    ANIMAL,
    FEMALE,
    MALE,
    PERSON,
    UNKNOWN,
    kind_of,
    parse_name,
    title_of,
)
from narration.model import PARA_TEXT, Book
from narration.text.spans import Span, split_spans

# Each rule's confidence: how often the speaker it gives is right on our dev set, both halves
# (bench/speaker_attribution.py, six works, 1,563 quotes, rounded down to 0.05), so a quote's
# confidence means what it says. The held-out half alone, never used to choose rules, measures
# lower for the rules read off conversation (turns 0.74, vocative 0.74, pronoun 0.63): the
# results file shows both, and a book unlike the dev set should expect those.
CONFIDENCE = {
    "first-person": 0.95,
    "explicit": 0.9,
    "paragraph": 0.85,
    "turns": 0.85,
    "continued": 0.8,
    "vocative": 0.8,
    "pronoun": 0.7,
    "actor-pronoun": 0.6,
    "other": 0.55,
    "actor": 0.55,
}
_LOOKBACK = 6  # paragraphs searched back for a pronoun's character
_RUN_BREAK_WORDS = 40  # a paragraph of narration this long ends a run of dialogue
_CLOSERS = "”\"’'」』"


@dataclass(frozen=True)
class Quote:
    """One speech span and who says it: ``speaker`` a character id, None for the narrator."""

    chapter: int
    paragraph: int
    span: int  # index in ``split_spans(paragraph text)``: the script's span
    start: int
    end: int
    text: str
    speaker: str | None = None
    confidence: float = 0.0
    rule: str = ""  # which sieve gave it; "" when none did
    narrator: bool = False  # the first-person narrator speaks it: the narrator's voice by evidence, not by doubt

    @property
    def key(self) -> tuple[int, int, int]:
        return (self.chapter, self.paragraph, self.span)


@dataclass(frozen=True)
class Attribution:
    characters: tuple[Character, ...]
    quotes: tuple[Quote, ...]

    def speakers(self) -> dict[tuple[int, int, int], str | None]:
        """(chapter, paragraph, span) -> character id or None, for every speech span: the
        per-span map a run joins to its script's rows (the script keys spans the same way)."""
        return {q.key: q.speaker for q in self.quotes}

    def partners(self) -> dict[str, set[str]]:
        """Character id -> the ids it talks with: the speakers of the quotes next to its own
        (one paragraph apart, in the same chapter)."""
        out: dict[str, set[str]] = {}
        said = [q for q in self.quotes if q.speaker]
        for a, b in itertools.pairwise(said):
            if a.chapter == b.chapter and a.speaker != b.speaker and b.paragraph - a.paragraph <= 2:
                out.setdefault(a.speaker, set()).add(b.speaker)  # type: ignore[arg-type]
                out.setdefault(b.speaker, set()).add(a.speaker)  # type: ignore[arg-type]
        return out


@dataclass
class _Para:
    chapter: int
    index: int
    text: str
    spans: list[Span]
    skip: bool  # a heading or a note: no speech in it is anyone's

    def speech(self) -> list[int]:
        return [] if self.skip else [i for i, s in enumerate(self.spans) if s.speech]

    def span_text(self, i: int) -> str:
        s = self.spans[i]
        return self.text[s.start : s.end]

    def narration(self) -> str:
        return " ".join(self.span_text(i) for i, s in enumerate(self.spans) if not s.speech)


@dataclass
class _Slot:
    """A quote being attributed."""

    para: _Para
    span: int
    frame: Frame | None = None
    speaker: str | None = None
    rule: str = ""
    confidence: float = 0.0
    narrator: bool = False  # the first-person narrator speaks it (speaker None)
    unnamed: bool = False  # its frame names no one we know ("said one"): the narrator reads it, no rule guesses

    def set(self, speaker: str | None, rule: str, narrator: bool = False) -> None:
        self.speaker, self.rule, self.confidence = speaker, rule, CONFIDENCE[rule]
        self.narrator = narrator or rule == "first-person"

    def take(self, other: _Slot, rule: str) -> None:
        """``other``'s speaker by ``rule``, no surer than ``other`` was."""
        self.speaker, self.rule, self.narrator = other.speaker, rule, other.narrator
        self.confidence = min(CONFIDENCE[rule], other.confidence)

    @property
    def open(self) -> bool:
        return not self.rule and not self.unnamed


def _frame(para: _Para, i: int, previous: _Para | None = None) -> Frame | None:
    """The frame next to quote ``i``; for a paragraph's opening quote, also one closing the
    paragraph before it with a colon ("...the Man was wiser and said:" then the quote alone)."""
    quote = para.span_text(i)
    if i == 0 and previous is not None and not previous.skip and previous.spans \
            and not previous.spans[-1].speech and previous.text.rstrip().endswith(":"):
        frame = frame_before(previous.span_text(len(previous.spans) - 1))
        if frame is not None:
            return frame
    after = para.span_text(i + 1) if i + 1 < len(para.spans) and not para.spans[i + 1].speech else ""
    before = para.span_text(i - 1) if i > 0 and not para.spans[i - 1].speech else ""
    if before and i >= 2 and para.spans[i - 2].speech and frame_after(before, para.span_text(i - 2)) \
            and not _new_sentence(para.span_text(i - 2), before) and last_sentence(before.strip()) == before.strip():
        before = ""  # (one sentence: '"Yes," said the Cat. The Ants then said:' has a frame of its own)  # "Yes," said he, "indeed.": the frame is the first half's; the paragraph rule shares it
    after_frame = frame_after(after, quote) if after else None
    before_frame = frame_before(before) if before else None
    if after_frame is not None and before_frame is not None and _new_sentence(quote, after) \
            and i + 2 < len(para.spans) and para.spans[i + 2].speech and after.rstrip()[-1:] in ",:":
        # 'The Ants inquired of him, "Why ...?" He replied, "I had ...": "He replied" is the next one's
        return before_frame
    return after_frame or before_frame


def _new_sentence(quote: str, narration: str) -> bool:
    """The narration after ``quote`` opens a sentence of its own ('"Why?" He replied, "..."'),
    not the frame of a quote cut short ('"Yes," said he, "indeed."')."""
    return ends_sentence(quote) and narration.lstrip(" —–-")[:1].isupper()


def _is_name(np: str) -> bool:
    return Frame(np, "", "").pronoun is None and not is_anaphoric(np)


@dataclass
class _Index:
    """Characters by every form of their names, and a pattern finding their mentions."""

    characters: list[Character]
    by_form: dict[str, str] = field(default_factory=dict)
    pattern: re.Pattern[str] | None = None
    gender: dict[str, str] = field(default_factory=dict)
    narrators: set[str] = field(default_factory=set)  # a first-person narrator's names as characters
    plural: set[str] = field(default_factory=set)  # "the Birds": many, never "he" or "she"
    surnames: dict[str, tuple[str, ...]] = field(default_factory=dict)  # id -> "Bennet", as printed

    def __post_init__(self) -> None:
        forms: dict[str, str] = {}
        for c in self.characters:
            for form in c.forms:
                forms.setdefault(form.lower(), c.id)
                if form.lower().startswith("the "):
                    forms.setdefault(form[4:].lower(), c.id)
        self.by_form = forms
        if forms:
            alternatives = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
            self.pattern = re.compile(rf"(?<![\w’'])(?:{alternatives})(?![\w’'])", re.IGNORECASE)
        self.gender = {c.id: c.gender for c in self.characters}
        self.plural = {c.id for c in self.characters if all(_plural(f) for f in c.forms)}
        self.surnames = {c.id: tuple(dict.fromkeys(_surname(f) for f in c.forms if _surname(f))) for c in self.characters}

    def find(self, np: str) -> str | None:
        low = " ".join(np.lower().split())
        found = self.by_form.get(low) or (self.by_form.get(low[4:]) if low.startswith("the ") else None)
        if found is None and (name := _under_epithet(np)):
            found = self.by_form.get(name.lower())
        return found

    def mentions(self, text: str) -> list[tuple[int, str]]:
        if self.pattern is None:
            return []
        return [(m.start(), self.by_form[m.group(0).lower()]) for m in self.pattern.finditer(text)
                if m.group(0)[0].isupper() or m.group(0).lower().startswith("the ")
                or (m.group(0).lower().startswith(("a ", "an ")) and m.group(0).split()[-1][:1].isupper())]  # "a Fox"


def _under_epithet(np: str) -> str | None:
    """"Moody" of "the avaricious Moody": a name in capitals after "the" and words in lower case
    (the book's characters join it only where the name is printed bare too: "the old Frog" stays)."""
    words = np.split()
    if len(words) < 3 or words[0].lower() != "the" or not words[1][:1].islower() or not words[-1][:1].isupper():
        return None
    tail = next(i for i, w in enumerate(words) if i and w[:1].isupper())
    return " ".join(words[tail:]) if all(w[:1].isupper() for w in words[tail:]) else None


def _plural(form: str) -> bool:
    """"the Birds", "the Hares": "the" and a last word in -s (not "the Ass", "the Walrus")."""
    words = form.split()
    return len(words) >= 2 and words[0].lower() == "the" and words[-1].endswith("s") \
        and not words[-1].endswith(("ss", "us", "is", "'s", "’s"))  # fmt: skip


def _surname(form: str) -> str:
    """"Bennet" of "Mr. Bennet" and of "Elizabeth Bennet"; "" for "Lizzy" or "the Hatter"."""
    name = parse_name(form)
    if name.article or not name.last or not (name.title or name.first):
        return ""
    return form.split()[-1]


def _paragraphs(chapters: Sequence[Sequence[tuple[str, bool]]]) -> list[list[_Para]]:
    return [[_Para(c, p, text, split_spans(text), skip) for p, (text, skip) in enumerate(chapter)]
            for c, chapter in enumerate(chapters)]  # fmt: skip


def _names_only(forms: Counter[str], texts: Sequence[str]) -> Counter[str]:
    """``forms`` less the lone capitalised words that the book prints more often in lower case
    ("However", "Had", "Conscience"): a word at a sentence's start, not a name."""
    words: Counter[str] = Counter()
    singles = {f for f in forms if len(f.split()) == 1}
    wanted = singles | {f.lower() for f in singles}
    for text in texts:
        words.update(w for w in re.findall(r"[A-Za-z]+", text) if w in wanted)
    return Counter({f: n for f, n in forms.items() if f not in singles or words[f.lower()] < words[f]})


_INTRODUCED = re.compile(r"\b([Tt]he|[Aa]n?)\s+(?:[a-z]+\s+)?((?:[A-Z][a-z]+\s+)?[A-Z][a-z]+)\b")


def _animals(narration: Sequence[str]) -> Counter[str]:
    """Characters a fable's narration introduces: a capitalised animal ("A Fox", "the Crow"),
    or a capitalised noun brought in with "a" and then called "the" ("A Fisher ... the Fisher").
    They may speak only through a pronoun ("he exclaimed")."""
    found: Counter[str] = Counter()
    introduced: set[str] = set()
    definite: set[str] = set()
    for text in narration:
        for match in _INTRODUCED.finditer(text):
            name = match.group(2)
            if name.split()[0].lower() in NOT_NAMES or any(title_of(w) is not None for w in name.split()):
                continue  # "the elder Mr. Darcy": a title, not a fable's creature
            (definite if match.group(1).lower() == "the" else introduced).add(name)
            found[name] += 1
    return Counter({name: n for name, n in found.items()
                    if kind_of(parse_name("the " + name)) == ANIMAL or (name in introduced and name in definite)})


_TITLED = re.compile(
    r"\b(?:Mr|Mrs|Miss|Ms|Dr|Lady|Sir|Lord|Captain|Colonel|Professor|Madame|Mademoiselle)\.?\s+[A-Z][a-z]+"
    r"(?:\s+[A-Z][a-z]+)?"
)


def _titled(narration: Sequence[str]) -> Counter[str]:
    """Names with a title in the narration ("Mrs. Fairfax came in"): people, speaking or not."""
    found: Counter[str] = Counter()
    for text in narration:
        found.update(m.group(0) for m in _TITLED.finditer(text))
    return found


def _named_forms(slots: list[_Slot], narration: Sequence[str] = ()) -> tuple[Counter[str], set[str]]:
    """Each name a speech frame prints, and how often; and the capitalised names that open the
    sentence before a quote ("Holmes leaned forward.") or are called in one ("Watson, come"),
    where one is seen twice. Second, the forms seen only as called (a first-person narrator's
    name is: "Watson, come" but never "said Watson")."""
    counts: Counter[str] = Counter()
    others: Counter[str] = Counter()
    called: Counter[str] = Counter()
    described: Counter[str] = Counter()  # "said the little old woman": a speaker the text has not named yet
    animals = _animals(narration)
    for slot in slots:
        if slot.frame is not None and _is_name(slot.frame.np) and not _description(slot.frame.np):
            counts[_canonical_form(slot.frame.np)] += 1
        elif slot.frame is not None and _description(slot.frame.np) and slot.frame.np.split()[0].lower() == "the":
            described[_canonical_form(slot.frame.np)] += 1
        if name := _actor_name(slot):
            others[name] += 1
        if name := _vocative_name(slot):
            called[name] += 1
    for name, n in others.items():
        if n >= 2 or name in counts:
            counts[name] += n
    for name, n in called.items():  # called once is enough: a name in capitals after a comma
        counts[name] += n
    for name, n in animals.items():
        counts["the " + name] += n
    for name, n in _titled(narration).items():
        if n >= 2:
            counts[name] += n
    for name, n in described.items():
        if n >= 2 and len(name.split()) >= 3:  # "the old lady", not "the girl"
            counts[name] += n
    for form in [f for f in counts if (name := _under_epithet(f)) and name in counts]:
        counts[_under_epithet(form)] += counts.pop(form)  # type: ignore[index]  # "the avaricious Moody" is Moody
    return counts, {name for name in called if name not in counts or counts[name] == called[name]}


_NOT_NAMES = frozenset(["i", "it", "he", "she", "we", "they", "you", "this", "that", "these", "those", "there", "here", "then", "now", "so", "but", "and", "or", "yet", "what", "why", "how", "when", "where", "who", "which", "yes", "no", "oh", "ah", "well", "o", "nay", "aye", "sir", "madam", "lord", "lady", "god", "heaven", "mother", "father"])


def _capitalised_name(np: str) -> str | None:
    """``np`` where it is a name in capitals: not a sentence's opening word, not a title alone."""
    np = np.rstrip(".") if title_of(np.split()[-1] if np.split() else "") is None else np
    words = np.split()
    if not words or not all(w[:1].isupper() for w in words) or words[0].lower() in _NOT_NAMES:
        return None
    if all(title_of(w) is not None for w in words) or words[0].lower() in NOT_NAMES:
        return None
    return np if _is_name(np) else None


def _actor_name(slot: _Slot) -> str | None:
    para, i = slot.para, slot.span
    if i == 0 or para.spans[i - 1].speech:
        return None
    match = OPENER.match(last_sentence(para.span_text(i - 1)))
    return _capitalised_name(trim_np(match.group("np"))) if match else None


_VOCATIVE = re.compile(r"(?:^|[,!?.;]\s+)([A-Z][a-z]+\.?(?:\s+[A-Z][a-z]+)?)(?=\s*[,!?.;]|$)")


def _vocative_name(slot: _Slot) -> str | None:
    inner = slot.para.span_text(slot.span).strip(_CLOSERS + "“‘「『 ")
    for match in _VOCATIVE.finditer(inner):
        name = _capitalised_name(match.group(1))
        if name and match.start(1) > 0:  # "Come, Watson!": at the start ("Exactly, sir") too many are not names
            return name
    return None


# Heads of a description that stands for whoever fits ("the girl", "the old man", "our visitor"),
# read like a pronoun; another head ("the archdeacon", "the precentor") is a name the book uses.
_GENERIC_HEADS = frozenset(["child", "stranger", "visitor", "companion", "friend", "person", "creature", "youngster", "newcomer", "guest", "speaker", "voice", "one", "other", "traveller", "traveler"])


def _description(np: str) -> str | None:
    """FEMALE/MALE/UNKNOWN for a description read like a pronoun: a possessive one ("his
    companion") or one in lower case with a generic head ("the girl", "the old man"); else None."""
    words = np.split()
    if len(words) < 2 or any(w[:1].isupper() for w in words[1:]):
        return None
    article = words[0].lower()
    if article not in ("the", "a", "an", "his", "her", "my", "our", "their"):
        return None
    if kind_of(parse_name(np)) != PERSON:
        return None
    generic = gendered_noun(np) is not None or words[-1].lower() in _GENERIC_HEADS
    if article in ("the", "a", "an") and not generic:
        return None
    return gendered_noun(np) or UNKNOWN


def _canonical_form(np: str) -> str:
    """"The Hatter" at a sentence's start is "the Hatter"."""
    words = np.split()
    if words[0] in ("The", "A", "An", "a", "an"):
        words[0] = "the"  # "a Fox", "A Fox", "the Fox": one form
    return " ".join(words)


LANGUAGES = ("en",)  # the sieve's speech verbs, pronouns and titles are English


def attribute_book(book: Book, min_confidence: float = 0.5) -> Attribution:
    """``attribute`` over a book's chapters; headings and notes hold no one's speech. A book in
    another language (Japanese 「」 among them) keeps every quote with the narrator."""
    chapters = [[(p.text, p.kind != PARA_TEXT) for p in chapter.paragraphs] for chapter in book.chapters]
    if book.language not in LANGUAGES:
        return narrator_reads_all(chapters)
    return attribute(chapters, min_confidence)


def narrator_reads_all(chapters: Sequence[Sequence[tuple[str, bool]]]) -> Attribution:
    """Every quote of ``chapters`` with the narrator, and no characters."""
    quotes = [_quote(_Slot(p, i), 1.0) for chapter in _paragraphs(chapters) for p in chapter for i in p.speech()]
    return Attribution((), tuple(quotes))


def attribute(chapters: Sequence[Sequence[tuple[str, bool]]], min_confidence: float = 0.5) -> Attribution:
    """Every quote of ``chapters`` (each a list of (paragraph text, skip)) with its speaker,
    and the characters found. A skipped paragraph (a heading, a note) keeps its index."""
    paras = _paragraphs(chapters)
    slots = [_Slot(p, i) for chapter in paras for p in chapter for i in p.speech()]
    for slot in slots:
        chapter = paras[slot.para.chapter]
        slot.frame = _frame(slot.para, slot.span, chapter[slot.para.index - 1] if slot.para.index else None)
    narration = [p.narration() for chapter in paras for p in chapter if not p.skip]
    forms, only_called = _named_forms(slots, narration)
    forms = _names_only(forms, [p.text for chapter in paras for p in chapter])
    characters = build_characters(forms, narration)
    index = _Index(characters)
    index.narrators = _narrator_ids(characters, only_called, narration)
    narrators = index.narrators
    by_chapter: dict[int, list[_Slot]] = {}
    for slot in slots:
        by_chapter.setdefault(slot.para.chapter, []).append(slot)
    for chapter_slots in by_chapter.values():
        _sieve(chapter_slots, paras[chapter_slots[0].para.chapter], index)
    for slot in slots:
        if slot.speaker in narrators:
            slot.speaker, slot.narrator = None, True
    # For its voice, a character of unknown gender takes a single pronoun's word (two were
    # wanted to resolve pronouns by it: one misled more "he said"s than it settled)
    characters = [c if c.gender != UNKNOWN else replace(c, gender=gender_of(c.forms, narration, votes_needed=1))
                  for c in characters if c.id not in narrators]  # fmt: skip
    quotes = tuple(_quote(s, min_confidence) for s in slots)
    lines = Counter(q.speaker for q in quotes if q.speaker)
    return Attribution(tuple(replace(c, lines=lines.get(c.id, 0)) for c in characters), quotes)


# "I", "me", "my" at least this share of the narration's words: a first-person book (the dev
# set: 1.6% in The Hound's chapters, 0.3% in Oz's, where they come from nested quotes)
_FIRST_PERSON_SHARE = 0.008


def _narrator_ids(characters: list[Character], only_called: set[str], narration: list[str]) -> set[str]:
    """In a first-person book, the characters only ever called by name, never named speaking
    or acting: the narrator's name as the others use it ("Watson, come here")."""
    words = sum(len(t.split()) for t in narration)
    first = sum(len(re.findall(r"\b(?:I|me|my)\b", t)) for t in narration)
    if not words or first / words < _FIRST_PERSON_SHARE:
        return set()
    return {c.id for c in characters if set(c.forms) <= only_called}


def _quote(slot: _Slot, min_confidence: float) -> Quote:
    span = slot.para.spans[slot.span]
    sure = bool(slot.rule) and slot.confidence >= min_confidence
    return Quote(
        slot.para.chapter, slot.para.index, slot.span, span.start, span.end, slot.para.span_text(slot.span),
        slot.speaker if sure else None, slot.confidence if sure else 0.0, slot.rule if sure else "",
        sure and slot.narrator,
    )  # fmt: skip


# -- the sieve, one chapter at a time -------------------------------------------------------------


def _sieve(slots: list[_Slot], paras: list[_Para], index: _Index) -> None:
    _explicit(slots, paras, index)
    _same_paragraph(slots)
    _continued(slots, paras)
    _same_paragraph(slots)
    turns = _turns(slots, paras)
    _actors(slots, paras, index)
    _replies(turns, index, narrator=False)
    _callers(turns, index)
    _same_paragraph(slots)
    _turn_taking(turns, index)
    _nearest_fitting(turns, index)
    _turn_taking(turns, index)
    _replies(turns, index)
    _same_paragraph(slots)
    _turn_taking(turns, index)
    _same_paragraph(slots)


def _explicit(slots: list[_Slot], paras: list[_Para], index: _Index) -> None:
    """Frames naming a character, a pronoun or the narrator, in text order (a pronoun is
    resolved against the speakers and mentions before it)."""
    recent: list[str] = []  # speakers so far, latest last
    spoke: dict[int, str] = {}  # paragraph -> its speaker, so far
    for slot in slots:
        frame = slot.frame
        if frame is None:
            continue
        pronoun = frame.pronoun
        if pronoun == "first":
            slot.set(None, "first-person")
        elif pronoun in ("male", "female"):
            who = _resolve(pronoun, slot, paras, index, recent, spoke)
            if who:
                slot.set(who, "pronoun")
        elif pronoun == "plural":
            if who := _nearest_crowd(slot, index):
                slot.set(who, "pronoun")  # 'They then said in derision:' after 'The Ants inquired'
        elif frame.unnamed:
            group = frame.group and (index.find(frame.group.rstrip("s")) or index.find(frame.group))
            if group:
                slot.set(group, "explicit")  # "one of the Munchkins": the Munchkins' voice
            else:
                slot.unnamed = True
        elif is_anaphoric(frame.np):
            other = _other(recent)
            if other:
                slot.set(other, "other")
        elif (kin := _kin(frame.np, slot, paras, index, recent)) is not None:
            slot.set(kin, "pronoun")
        elif (gender := _description(frame.np)) is not None:
            # a description is whoever it fits; where the book uses it as a name (seen twice,
            # "said the little old woman"), that character
            who = _resolve(gender, slot, paras, index, recent, spoke)
            own = index.find(_canonical_form(frame.np))
            if own:
                who = own
            if who:
                slot.set(who, "pronoun")
        elif (who := index.find(_canonical_form(frame.np))) is not None:
            slot.set(who, "explicit")
        if slot.speaker:
            recent.append(slot.speaker)
            spoke[slot.para.index] = slot.speaker


# "his wife" of Mr. Bennet is Mrs. Bennet, "her father" of Elizabeth Bennet Mr. Bennet
_KIN = {"wife": ("male", "mrs"), "lady": ("male", "mrs"), "husband": ("female", "mr"),
        "father": (None, "mr"), "papa": (None, "mr"), "mother": (None, "mrs"), "mamma": (None, "mrs")}
_OWNER = {"his": MALE, "her": FEMALE}


def _kin(np: str, slot: _Slot, paras: list[_Para], index: _Index, recent: list[str]) -> str | None:
    """The character "his wife", "her father" names: the owner's surname under the kin's title."""
    words = np.lower().split()
    if len(words) != 2 or words[0] not in _OWNER or words[1] not in _KIN:
        return None
    title = _KIN[words[1]][1]
    # the nearest owner with a surname that names a Mrs./Mr. ("her mother" of Kitty, who has
    # none printed, is found through Elizabeth Bennet, named next)
    for owner in _candidates(_OWNER[words[0]], slot, paras, index, recent, called_too=True):
        for last in index.surnames.get(owner, ()):
            for form in (f"{title.capitalize()}. {last}", f"{title.capitalize()} {last}"):
                if (who := index.find(form)) is not None and who != owner:
                    return who
    return None


def _other(recent: list[str]) -> str | None:
    """"said the other": the last speaker before the latest who is not the latest."""
    if not recent:
        return None
    return next((s for s in reversed(recent) if s != recent[-1]), None)


def _candidates(gender: str, slot: _Slot, paras: list[_Para], index: _Index, recent: list[str],
                called_too: bool = False) -> list[str]:
    """Characters of ``gender`` nearest first: mentioned in the narration before the frame (quotes
    left out), then (``called_too``) called in the quotes just before, then the latest speakers;
    those of unknown gender after all of them."""
    para = slot.para
    here = " ".join(para.span_text(i) for i in range(slot.span) if not para.spans[i].speech)
    texts = [here]
    for j in range(para.index - 1, max(-1, para.index - 1 - _LOOKBACK), -1):
        if paras[j].skip:
            break  # a heading: a new chapter, a new fable
        texts.append(paras[j].narration())
    called = [who for j in range(para.index - 1, max(-1, para.index - 3), -1) if called_too and not paras[j].skip
              for i in paras[j].speech() if (who := _called(paras[j].span_text(i), index))]  # fmt: skip
    found: list[str] = []
    for wanted in (gender, UNKNOWN):
        found += [who for text in texts for _, who in reversed(index.mentions(text)) if index.gender.get(who) == wanted]
        found += [who for who in called if index.gender.get(who) == wanted]
        if len(texts) > _LOOKBACK:  # no heading in between: the latest speakers are still here
            found += [who for who in reversed(recent[-4:]) if index.gender.get(who) == wanted]
    # "she said" is never a first-person narrator's ("I said" is): their name only ever called;
    # "he said" never a crowd's ("the Birds")
    plural = index.plural if gender in (MALE, FEMALE) else set()
    return [who for who in dict.fromkeys(found) if who not in index.narrators and who not in plural]


def _nearest_crowd(slot: _Slot, index: _Index) -> str | None:
    """"they said": the crowd ("the Ants") last mentioned in the narration of the quote's own paragraph."""
    here = " ".join(slot.para.span_text(i) for i in range(slot.span) if not slot.para.spans[i].speech)
    return next((who for _, who in reversed(index.mentions(here)) if who in index.plural), None)


def _resolve(gender: str, slot: _Slot, paras: list[_Para], index: _Index, recent: list[str],
             spoke: dict[int, str] | None = None) -> str | None:
    """The nearest character of ``gender`` (``_candidates``). Where the nearest spoke the
    paragraph before (``spoke``: paragraph -> speaker) or is called in this quote, the next
    nearest of the same gender: a reply is seldom its own speaker's."""
    found = _candidates(gender, slot, paras, index, recent)
    if not found:
        return None
    avoid = {_addressee_of(slot, index), (spoke or {}).get(slot.para.index - 1)} - {None}
    first = [who for who in found if index.gender.get(who) == index.gender.get(found[0])]
    return next((who for who in first if who not in avoid), found[0])


def _same_paragraph(slots: list[_Slot]) -> None:
    """A paragraph's quotes without a speaker take its quotes' speaker (one speaker a paragraph);
    where it has several, a quote right after one cut by a frame ('"Yes," said the Cat; "but..."')
    takes that one's."""
    by_para: dict[int, list[_Slot]] = {}
    for slot in slots:
        by_para.setdefault(slot.para.index, []).append(slot)
    for group in by_para.values():
        known = {s.speaker for s in group if not s.open}
        if len(known) > 1:
            _interrupted(group)
        if len(known) != 1:
            continue
        source = next(s for s in group if not s.open)
        for slot in group:
            if slot.open:
                slot.take(source, "paragraph")


def _interrupted(group: list[_Slot]) -> None:
    for before, slot in itertools.pairwise(group):
        if slot.open and not before.open and before.frame is not None and before.frame.where == "after" \
                and slot.span == before.span + 2:
            slot.take(before, "paragraph")


def _closed(text: str) -> bool:
    return text.rstrip()[-1:] in _CLOSERS and len(text.strip()) > 1


def _continued(slots: list[_Slot], paras: list[_Para]) -> None:
    """A speech left open at a paragraph's end goes on in the next paragraph's opening quote; so
    does one whose frame closes its paragraph with a colon ('"Ah," said he:' then the quote alone)."""
    by_key = {(s.para.index, s.span): s for s in slots}
    for slot in slots:
        para = slot.para
        left_open = slot.span == len(para.spans) - 1 and not _closed(para.span_text(slot.span))
        if not left_open and not _frame_opens_next(slot):
            continue
        nxt = by_key.get((para.index + 1, 0))
        if nxt is None:
            continue
        if slot.open and not nxt.open:
            slot.take(nxt, "continued")
        elif nxt.open and not slot.open:
            nxt.take(slot, "continued")


def _frame_opens_next(slot: _Slot) -> bool:
    """The quote's frame ends its paragraph with a colon: '"No," said the Stork:'."""
    para = slot.para
    if slot.span != len(para.spans) - 2 or slot.frame is None or slot.frame.where != "after":
        return False
    tail = para.span_text(slot.span + 1).rstrip()
    return tail.endswith((":", ",")) and frame_after(tail, para.span_text(slot.span)) is not None \
        and len(tail.split()) <= 6  # fmt: skip


def _turns(slots: list[_Slot], paras: list[_Para]) -> list[list[_Slot]]:
    """Runs of paragraphs with speech, each paragraph a turn (its first quote stands for it):
    a long paragraph of narration, a heading or a scene's end breaks a run."""
    runs: list[list[_Slot]] = [[]]
    last = -1
    firsts = {}
    for slot in slots:
        firsts.setdefault(slot.para.index, slot)
    for p, slot in sorted(firsts.items()):
        between = paras[last + 1 : p] if last >= 0 else []
        if any(q.skip or len(q.text.split()) > _RUN_BREAK_WORDS for q in between) or len(between) > 1:
            runs.append([])
        runs[-1].append(slot)
        last = p
    return [r for r in runs if r]


def _vocatives(turns: list[list[_Slot]], index: _Index) -> None:
    """The turn after a line addressing a character by name is that character's; a line calling
    a character is the latest other speaker's."""
    _replies(turns, index)
    _callers(turns, index)


def _replies(turns: list[list[_Slot]], index: _Index, narrator: bool = True) -> None:
    """The turn after a line addressing a character by name is that character's (``narrator``:
    the first-person narrator's too)."""
    for run in turns:
        for prev, slot in itertools.pairwise(run):
            if not slot.open or prev.para.index + 1 != slot.para.index:
                continue
            addressed = _addressee(prev, index)
            if addressed and addressed != prev.speaker and (narrator or addressed not in index.narrators):
                slot.set(addressed, "vocative")


def _callers(turns: list[list[_Slot]], index: _Index) -> None:
    """A line calling a character by name is the latest other speaker's."""
    for run in turns:
        for i, slot in enumerate(run):
            # a line calling X is the latest other speaker's
            addressed = _addressee(slot, index) if slot.open else None
            if addressed is None:
                continue
            other = next((s.speaker for s in reversed(run[:i])
                          if not s.open and s.speaker not in (addressed, None)), None)  # fmt: skip
            if other:
                slot.set(other, "vocative")


def _addressee_of(slot: _Slot, index: _Index) -> str | None:
    """The character called by name in this quote itself."""
    return _called(slot.para.span_text(slot.span), index)


def _addressee(slot: _Slot, index: _Index) -> str | None:
    """A character named as the one spoken to in the paragraph's quotes: "Watson, come here"."""
    return next((who for i in slot.para.speech() if (who := _called(slot.para.span_text(i), index))), None)


def _called(quote: str, index: _Index) -> str | None:
    """The character a quote calls by name: "Watson, come here", "Come, Watson."."""
    if index.pattern is None:
        return None
    inner = quote.strip(_CLOSERS + "“‘「『 ")
    for match in index.pattern.finditer(inner):
        before = inner[: match.start()].rstrip()
        after = inner[match.end() :].lstrip()[:1]
        if not match.group(0)[0].isupper() or (before and before[-1] not in ",!?.;"):
            continue  # mid-clause: talked about, not to
        if after in (",", "!", "?", ".", ";", "") and (before or after == ","):
            return index.by_form[match.group(0).lower()]
    return None


def _narration_only(para: _Para) -> bool:
    return not para.skip and bool(para.spans) and not any(s.speech for s in para.spans)


def _actors(slots: list[_Slot], paras: list[_Para], index: _Index) -> None:
    """The subject of the sentence just before a paragraph's first quote speaks it: a name, or
    ("He lifted up his hair.") a pronoun resolved as a frame's is."""
    recent: list[str] = []
    for slot in slots:
        if not slot.open:
            if slot.speaker:
                recent.append(slot.speaker)
            continue
        if slot.span > 0 and not slot.para.spans[slot.span - 1].speech:
            before = slot.para.span_text(slot.span - 1)
        elif slot.span == 0 and slot.para.index > 0 and _narration_only(paras[slot.para.index - 1]):
            before = paras[slot.para.index - 1].text  # the paragraph before, all narration, ends with its actor
        else:
            continue
        sentence = last_sentence(before)
        match = OPENER.match(sentence)
        if match is None:
            continue
        np = trim_np(match.group("np"))
        who = index.find(_canonical_form(np)) if _is_name(np) else None
        if who and who not in index.narrators:  # the narrator acts as "I", never by name
            slot.set(who, "actor")
        # "He had deigned an explanation, and I did not feel insensible": the "I" acts last
        elif (pronoun := PRONOUNS.get(np.lower())) in (MALE, FEMALE) and not re.search(r"\bI\b", sentence) \
                and (who := _resolve(pronoun, slot, paras, index, recent)):
            slot.set(who, "actor-pronoun")
        if slot.speaker:
            recent.append(slot.speaker)


def _fits_frame(slot: _Slot, speaker: str | None, index: _Index) -> bool:
    """A speaker the slot's own frame allows: "returned she" left unresolved still wants a woman."""
    pronoun = slot.frame.pronoun if slot.frame is not None else None
    if pronoun in (MALE, FEMALE):
        return speaker is not None and index.gender.get(speaker) in (pronoun, UNKNOWN)
    if pronoun == "first":
        return speaker is None or speaker in index.narrators
    return True


def _turn_taking(turns: list[list[_Slot]], index: _Index) -> None:
    """In a run, a turn between two known ones of A and B (A, ?, A or A, B, ?) alternates."""
    narrators = index.narrators
    for run in turns:
        changed = True
        while changed:
            changed = False
            for i, slot in enumerate(run):
                if not slot.open:
                    continue
                guess = _alternate(run, i, -1, narrators) or _alternate(run, i, 1, narrators)
                if guess and _fits_frame(slot, guess.speaker if _who(guess, narrators) else None, index):
                    narrator = _who(guess, narrators) == ""
                    slot.set(None if narrator else guess.speaker, "turns", narrator)
                    changed = True


def _nearest_fitting(turns: list[list[_Slot]], index: _Index) -> None:
    """A turn whose frame's pronoun found no one ("returned she") takes the nearest turn's
    speaker of that gender, a turn or two either way."""
    for run in turns:
        for i, slot in enumerate(run):
            pronoun = slot.frame.pronoun if slot.frame is not None else None
            if not slot.open or pronoun not in (MALE, FEMALE):
                continue
            near = sorted((s for s in run[max(0, i - 2) : i + 3] if s is not slot and not s.open and s.speaker),
                          key=lambda s: abs(run.index(s) - i))  # fmt: skip
            who = next((s.speaker for s in near if index.gender.get(s.speaker) == pronoun), None)
            if who:
                slot.set(who, "turns")


def _who(slot: _Slot, narrators: set[str]) -> str | None:
    """A turn's speaker, the first-person narrator counted as one ("" for the narrator, whether
    by "I said" or by the name the others call them)."""
    return "" if slot.narrator or slot.speaker in narrators else slot.speaker


def _alternate(run: list[_Slot], i: int, step: int, narrators: set[str]) -> _Slot | None:
    """The turn two away, where it and the turn between are two known, different speakers; where
    the turn next to it is A's twice or more (A went on after a pause), the speaker A last
    talked with before that, a few turns back with none unknown between."""
    j = i + step
    if not (0 <= j < len(run)) or run[j].open or _who(run[j], narrators) is None:
        return None
    a = _who(run[j], narrators)
    for k in range(i + 2 * step, i + (_TALK_BACK + 1) * step, step):
        if not (0 <= k < len(run)) or run[k].open or _who(run[k], narrators) is None:
            return None
        if _who(run[k], narrators) != a:
            return run[k]
    return None


_TALK_BACK = 4  # turns looked back past one speaker's for the one they talk with


__all__ = ["FEMALE", "MALE", "Attribution", "Quote", "attribute"]
