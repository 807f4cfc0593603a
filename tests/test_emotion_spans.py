"""Quoted speech apart from narration: the spans of a paragraph."""

from __future__ import annotations

import pytest

from narration.emotion.spans import replace_spans, span_texts, split_spans

S, N = True, False


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"How dare you!" he roared, slamming the door.',
         [('"How dare you!"', S), ("he roared, slamming the door.", N)]),
        # a quote interrupted by its speech tag: two speech spans around the narration
        ('"Go," he said, "and never come back."', [('"Go,"', S), ("he said,", N), ('"and never come back."', S)]),
        ("“Run!” she cried. “They are coming!”", [("“Run!”", S), ("she cried.", N), ("“They are coming!”", S)]),
        ('He shouted "Stop!" and ran.', [("He shouted", N), ('"Stop!"', S), ("and ran.", N)]),
        ('She said, "yes".', [("She said,", N), ('"yes".', S)]),  # trailing punctuation joins the span before
        ("—“Who?”", [("—“Who?”", S)]),  # leading punctuation joins the span after
        ('"Run!" "Now!"', [('"Run!"', S), ('"Now!"', S)]),
        ("「ありがとう」と彼は言った。", [("「ありがとう」", S), ("と彼は言った。", N)]),
        ("『まて』", [("『まて』", S)]),
    ],
)
def test_speech_and_narration(text: str, expected: list[tuple[str, bool]]) -> None:
    assert span_texts(text) == expected


def test_no_quotes_is_one_narration_span_and_empty_is_none() -> None:
    assert span_texts("It rained all day, and the road was long.") == [
        ("It rained all day, and the road was long.", N)]
    assert split_spans("") == [] and split_spans("   ") == []
    assert span_texts("* * *") == [("* * *", N)]  # punctuation only: still covered


@pytest.mark.parametrize(
    "text",
    [
        "I don’t know; the dogs’ bones were gone, and ’tis late.",
        "I don't know; the dogs' bones were gone.",
        "The boys' caps and the girls' hats lay in the hall.",
    ],
)
def test_apostrophes_are_not_quotes(text: str) -> None:
    assert span_texts(text) == [(text, N)]


def test_single_quotes_as_dialogue_with_apostrophes_inside() -> None:
    assert span_texts("‘The dogs’ bones are gone,’ said Tom, ‘and I don’t care.’") == [
        ("‘The dogs’ bones are gone,’", S), ("said Tom,", N), ("‘and I don’t care.’", S)]
    assert span_texts("'Tis late, 'Go home,' he said.") == [("'Tis late,", N), ("'Go home,'", S), ("he said.", N)]


def test_nested_quotes_stay_inside_the_speech() -> None:
    assert span_texts("“He told me ‘never’ twice,” she said.") == [("“He told me ‘never’ twice,”", S), ("she said.", N)]
    assert span_texts("‘He said “no”, and went,’ she said.") == [("‘He said “no”, and went,’", S), ("she said.", N)]


def test_unbalanced_quotes_over_paragraphs() -> None:
    # a speech over several paragraphs: open at each paragraph's start, closed only at its end
    assert span_texts("“It was a long way, and the road") == [("“It was a long way, and the road", S)]
    assert span_texts('He began: "It was a long way') == [("He began:", N), ('"It was a long way', S)]
    assert span_texts("‘And then we walked home") == [("‘And then we walked home", S)]
    # its last paragraph may only close it
    assert span_texts("and so we came home,” she said.") == [("and so we came home,”", S), ("she said.", N)]


def test_mentions_stay_narration() -> None:
    for text in ['He called it "fine", but it was not.', 'He called it "fine," but it was not.',
                 "He read “The Raven” aloud."]:
        assert span_texts(text) == [(text, N)]


def test_spans_cover_every_word_and_replace_in_place() -> None:
    text = '  "Go," he said,  "and never come back."'
    spans = split_spans(text)
    covered = "".join(text[s.start : s.end] for s in spans)
    assert "".join(covered.split()) == "".join(text.split())
    assert replace_spans(text, spans, ['"Stay,"', "she said,", '"please."']) == '  "Stay," she said,  "please."'


def test_a_run_of_openers_is_split_in_linear_time() -> None:
    """The cast splits every paragraph at planning: each ' that opens a word rescanned the rest of
    the paragraph for its close (20,000 took minutes; the hostile-input fuzz test found it)."""
    import time

    for text in ("x" + " '" * 20_000, "'a " * 20_000 + "end'"):
        started = time.perf_counter()
        split_spans(text)
        assert time.perf_counter() - started < 1.0
