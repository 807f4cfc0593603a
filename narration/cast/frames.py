"""Speech frames: the narration next to a quote that says who speaks it.

``"Off with her head!" said the Queen`` (inverted), ``the Queen said`` (plain), ``she cried``
(a pronoun), ``Alice said to herself, "..."`` (before the quote). A frame is read at the start
of the narration after a quote, or at the end of the narration before one (ending in ``,`` or
``:``). Regular expressions over the span's text: the frame is a few words long and its shapes
are few, so a parser would cost a hundred times more for no gain we measured
(``bench/speaker_attribution.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from narration.cast.names import TITLES, title_of

SPEECH_VERBS = frozenset(["said", "says", "say", "saying", "replied", "replies", "answered", "answers", "cried", "cries", "asked", "asks", "exclaimed", "exclaims", "shouted", "shouts", "whispered", "whispers", "muttered", "mutters", "murmured", "murmurs", "continued", "continues", "added", "adds", "remarked", "remarks", "observed", "observes", "returned", "returns", "began", "begins", "repeated", "repeats", "interrupted", "interrupts", "called", "calls", "yelled", "yells", "screamed", "screams", "shrieked", "shrieks", "sobbed", "sobs", "growled", "growls", "roared", "roars", "thought", "thinks", "inquired", "inquires", "enquired", "enquires", "demanded", "demands", "retorted", "retorts", "rejoined", "rejoins", "suggested", "suggests", "explained", "explains", "sighed", "sighs", "laughed", "laughs", "pleaded", "pleads", "protested", "protests", "insisted", "insists", "declared", "declares", "announced", "announces", "urged", "urges", "agreed", "agrees", "responded", "responds", "stammered", "stammers", "snapped", "snaps", "gasped", "gasps", "groaned", "groans", "moaned", "moans", "called", "bawled", "bellowed", "howled", "wailed", "whimpered", "hissed", "grunted", "grumbled", "sneered", "chuckled", "giggled", "panted", "breathed", "faltered", "ventured", "persisted", "resumed", "concluded", "admitted", "confessed", "cried", "quoth", "objected", "mused", "reflected", "wondered", "urged", "warned", "ordered", "commanded", "begged", "implored", "entreated", "called", "counted", "told", "tells", "spoke", "speaks", "went", "put", "struck", "chimed", "broke", "exclaiming", "crying", "replying", "answering", "asking", "shouting", "whispering", "muttering", "calling", "adding", "continuing", "remarking", "observing"])
# "went on", "put in", "struck in", "broke in", "chimed in": only with their particle
_PARTICLE_VERBS = {"went": "on", "put": "in", "struck": "in", "broke": "in", "chimed": "in"}

PRONOUNS = {"his": "male", "her": "female", "he": "male", "she": "female", "i": "first", "we": "first", "they": "plural", "it": "neutral"}

_TITLE = "|".join(sorted((re.escape(t.capitalize()) for t in TITLES), key=len, reverse=True))
_CAP = r"[A-Z][\w’'-]*"
# A name: an optional title then one to three capitalised words ("Mr. Bennet", "Sherlock Holmes").
_NAME = rf"(?:(?:{_TITLE})\.?\s+)*{_CAP}(?:\s+(?:de\s+|van\s+|von\s+)?{_CAP}){{0,2}}"
# A description: "the Hatter", "the Mock Turtle", "the old man", "the other", "his wife".
_DESC = r"(?:[Tt]he|[Aa]n?|[Hh]is|[Hh]er|[Mm]y|[Oo]ur|[Tt]heir)\s+(?:[\w’'-]+\s+){0,2}[\w’'-]+"
_PRON = r"(?:he|she|I|we|they|it|He|She|We|They|It)"
_ADV = r"(?:\w+ly\s+|again\s+|then\s+|at\s+last\s+|at\s+once\s+|now\s+)?"
_AUX = r"(?:had\s+|has\s+|was\s+|is\s+|would\s+|did\s+)?"
_VERB = r"(?P<verb>[a-z]+)"
_NP = rf"(?P<np>{_DESC}|{_PRON}|{_NAME})"

# After the quote: "said Alice", "said the Hatter", "replied he", "went on the Queen".
_INVERTED = re.compile(rf"^{_ADV}{_VERB}(?:\s+(?:on|in))?\s+{_NP}(?![\w’'])")
# After the quote: "was her answer", "was his reply": the pronoun's owner spoke.
_ANSWER = re.compile(r"^(?:was|came)\s+(his|her)\s+(?:\w+\s+)?(?:answer|reply|response|rejoinder|retort)\b")
# After the quote: "said the deep and rather sarcastic voice of Mr. Rochester".
_VOICE_OF = re.compile(rf"^{_ADV}{_VERB}\s+(?:the|a|his|her)\s+(?:[\w-]+\s+){{0,5}}?voice\s+of\s+{_NP}")
# After the quote: "Alice said", "the Hatter replied", "she cried", "Mr. Darcy coldly answered":
# the subject read greedily and cut at its first verb or function word, then the predicate.
_SUBJECT = re.compile(rf"^{_NP}")
_PREDICATE = re.compile(rf",?\s+{_ADV}{_AUX}{_VERB}(?![\w’'])")
# Before the quote: the last sentence opens with its subject ("Holmes leaned forward and said:").
OPENER = re.compile(rf"^(?:(?:And|But|Then|So|Now|At last|At length|Presently|Suddenly|Here|There),?\s+)?{_NP}(?!\w)")
# A speaker the frame leaves unnamed: "said one of the Munchkins", "says one", "another said",
# "said the third man": someone besides those talking (a group's member at best), so no
# turn-taking or pronoun may hand the quote to one of them.
_UNNAMED_NP = (r"(?:[Oo]ne|[Aa]nother|[Ss]omebody|[Ss]omeone|[Aa]\s+voice|[Tt]he\s+others|[Tt]he\s+rest|[Tt]he\s+(?:second|third|fourth|fifth)\s+[\w’'-]+)"
               r"(?:\s+of\s+(?:the\s+)?[\w’'-]+)?")  # fmt: skip
_UNNAMED = re.compile(rf"{_UNNAMED_NP}$")
_UNNAMED_AFTER = re.compile(rf"^{_ADV}{_VERB}\s+(?P<np>{_UNNAMED_NP})(?![\w’'])")
_UNNAMED_SUBJECT = re.compile(rf"^(?P<np>{_UNNAMED_NP}),?\s+{_ADV}{_AUX}{_VERB}(?![\w’'])")
_UNNAMED_BEFORE = re.compile(rf"(?:^|\s)(?P<np>{_UNNAMED_NP}),?\s+{_ADV}{_AUX}$")
_SENTENCE_END = re.compile(r"[.!?;][\"”’']?\s+(?=[A-Z\"“‘])")
# The noun phrase right before a speech verb: "the Mouse piteously |entreated", "the Tortoise, who |replied".
_BEFORE_VERB = re.compile(
    rf"(?:^|\s)(?P<np>[Tt]he\s+(?:[\w’'-]+\s+){{0,2}}?[\w’'-]+|{_NAME}|(?:[Aa]n?)\s+[A-Z][\w’'-]*|{_PRON})"
    rf"(?:,\s+who)?,?\s+{_ADV}{_AUX}$"
)
# Words that end a description read greedily ("said the Mock Turtle in a deep voice").
_NP_STOP = frozenset(["in", "to", "with", "at", "as", "and", "who", "that", "which", "for", "from", "into", "on", "upon", "after", "before", "by", "while", "somewhat", "rather", "very", "again", "still", "now", "then", "too", "also", "not", "quite", "almost", "once"])
_LOWER_START = re.compile(r"^[a-z]")


def _no_name(np: str) -> bool:
    """A capitalised word that is no name ("But", "Just", "When")."""
    first = np.split()[0]
    return first[:1].isupper() and first.lower() in NOT_NAMES and first not in ("I",)


@dataclass(frozen=True)
class Frame:
    """Who a frame names: ``np`` as printed ("the Hatter", "she", "Mr. Bennet")."""

    np: str
    verb: str
    where: str  # "after" or "before" the quote

    @property
    def pronoun(self) -> str | None:
        """"male"/"female"/"first"/"plural"/"neutral" for a pronoun, else None."""
        return PRONOUNS.get(self.np.lower())

    @property
    def unnamed(self) -> bool:
        """"one of the Munchkins", "another", "the third man": a speaker the frame does not name."""
        return _UNNAMED.match(self.np) is not None

    @property
    def group(self) -> str | None:
        """"the Munchkins" of "one of the Munchkins": the group the unnamed speaker belongs to."""
        match = re.search(r"\bof\s+(the\s+[\w’'-]+)$", self.np) if self.unnamed else None
        return match.group(1) if match else None


_ASPECT_VERBS = frozenset(["began", "begins", "continued", "continues"])  # "the cloud began to clear"


def _speech_verb(verb: str, rest: str, loose: bool) -> bool:
    if verb in _ASPECT_VERBS and re.match(r"\s+to\s", rest):
        return False
    if verb in _PARTICLE_VERBS:
        return _particle(verb, rest)
    if verb in SPEECH_VERBS:
        return True
    # After a quote cut by a comma ("Well," Alice laughed) any past tense carries the speech.
    return loose and verb.endswith("ed")


def trim_np(np: str) -> str:
    """"the Mock Turtle in" -> "the Mock Turtle", "the Wolf grinned" -> "the Wolf": a greedy
    description cut at its first function word, or at a word in lower case after its name."""
    words = np.strip().rstrip(",").split()
    named = False
    for i, word in enumerate(words[1:], start=1):
        low = word.lower().strip(",")
        if low in _NP_STOP or low in SPEECH_VERBS or (low.endswith("ly") and word[:1].islower()):
            return " ".join(words[:i])  # "the Mouse piteously", but "the Cowardly Lion", "Dr Grantly"
        if named and word[:1].islower() and not (low == "of" and words[i + 1 : i + 2] and words[i + 1][:1].isupper()):
            return " ".join(words[:i])
        named = named or word[:1].isupper()
    return " ".join(words)


# Capitalised at a sentence's start, never a speaker's name.
NOT_NAMES = frozenset(["i", "it", "this", "that", "these", "those", "there", "here", "then", "now", "so", "but", "and", "or", "yet", "what", "why", "how", "when", "where", "who", "which", "yes", "no", "oh", "ah", "well", "o", "nay", "aye", "just", "only", "even", "still", "again", "once", "after", "before", "while", "though", "although", "if", "as", "at", "by", "for", "from", "in", "into", "on", "upon", "with", "without", "someone", "somebody", "anyone", "nobody", "everybody", "everyone", "something", "nothing", "all", "some", "one", "each", "every", "another", "such", "very", "quite", "perhaps", "indeed", "presently", "suddenly", "meanwhile", "besides", "instead", "whereupon", "thereupon", "thus", "hence", "said", "says"])


def frame_after(narration: str, quote: str) -> Frame | None:
    """The frame opening ``narration``, the text right after ``quote`` in its paragraph."""
    text = narration.lstrip(" ,—–-")
    quote_cut = quote.rstrip("”\"’'」』 ")[-1:] in (",", "—", "–", "-", "…") or bool(_LOWER_START.match(text))
    match = _ANSWER.match(text)  # '"Yes," was her answer'
    if match is not None:
        return Frame(match.group(1), "was", "after")
    match = _VOICE_OF.match(text)  # "said the deep voice of Mr. Rochester"
    if match is not None and match.group("verb") in SPEECH_VERBS:
        return Frame(trim_np(match.group("np")), match.group("verb"), "after")
    match = _UNNAMED_AFTER.match(text) or _UNNAMED_SUBJECT.match(text)
    if match is not None and _speech_verb(match.group("verb"), text[match.end("verb") :], quote_cut):
        return Frame(match.group("np"), match.group("verb"), "after")
    match = _INVERTED.match(text)
    # '"Well," commenced the archdeacon': after a quote cut by a comma, a past tense carries the speech
    if match is not None and (match.group("verb") in SPEECH_VERBS or (quote_cut and match.group("verb").endswith("ed"))):
        verb, rest = match.group("verb"), text[match.end("verb") :]
        np = trim_np(match.group("np"))
        if (verb not in _PARTICLE_VERBS or _particle(verb, rest)) and np.lower() != "it" and not _no_name(np):
            return Frame(np, verb, "after")
    match = _SUBJECT.match(text)
    if match is None:
        return None
    np = trim_np(match.group("np"))
    verb_match = _PREDICATE.match(text, len(np) + (match.start("np")))
    if verb_match is None:
        return None
    verb = verb_match.group("verb")
    if ends_sentence(quote) and verb not in _SAYING:
        return None  # '"What are you going to do?" The Fox thought first of one way': a new sentence
    if _speech_verb(verb, text[verb_match.end() :], quote_cut) and not _no_name(np):
        return Frame(np, verb, "after")
    return None


# Verbs that say a quote was spoken even in a sentence of their own ('"Why?" Alice asked.');
# others ("thought", "agreed", "laughed") after a quote that ends its sentence begin a new one.
_SAYING = frozenset(["said", "says", "say", "asked", "asks", "replied", "replies", "answered", "answers", "cried", "cries", "exclaimed", "exclaims", "shouted", "shouts", "whispered", "whispers", "muttered", "mutters", "murmured", "murmurs", "added", "adds", "remarked", "remarks", "observed", "returned", "repeated", "inquired", "enquired", "demanded", "retorted", "rejoined", "called", "yelled", "screamed", "shrieked", "roared", "growled", "continued", "went", "put", "struck", "broke", "chimed", "spoke", "quoth"])


def ends_sentence(quote: str) -> bool:
    """The quote closes with a full stop, a question or an exclamation mark."""
    return quote.rstrip("”\"’'」』 ")[-1:] in (".", "?", "!")


def _particle(verb: str, rest: str) -> bool:
    return rest.lstrip().startswith(_PARTICLE_VERBS[verb])


def last_sentence(text: str) -> str:
    """The last sentence of ``text``; a title's stop ("Mr. Darcy") ends none."""
    start = 0
    for match in _SENTENCE_END.finditer(text):
        word = text[: match.start() + 1].split()[-1] if text[: match.start() + 1].split() else ""
        if title_of(word) is None:
            start = match.end()
    return text[start:]


def frame_before(narration: str) -> Frame | None:
    """The frame closing ``narration``, the text right before a quote: ``Alice said,``,
    ``the Tortoise, who replied:``, ``when the Mouse entreated, saying:``,
    ``Holmes leaned forward and said:``. Its last sentence ends in ``,``/``:`` and holds a
    speech verb; the speaker is the noun phrase right before a speech verb, else the sentence's
    subject."""
    text = narration.rstrip()
    if not text or text[-1] not in ",:—–-":
        return None
    sentence = last_sentence(text[-300:])
    verbs = [m for m in re.finditer(r"[a-z]+", sentence)
             if m.group(0) in SPEECH_VERBS and m.group(0) not in _PARTICLE_VERBS and m.start() > 0]  # fmt: skip
    if not verbs:
        return None
    for verb in reversed(verbs):
        if (match := _UNNAMED_BEFORE.search(sentence[: verb.start()])) is not None:  # "One says:"
            return Frame(match.group("np"), verb.group(0), "before")
        match = _BEFORE_VERB.search(sentence[: verb.start()])
        if match is not None and verb.group(0).endswith("ing") and match.group("np").split()[0].lower() in ("the", "a", "an"):
            continue  # "according to the old saying,": a noun, not a speech verb
        if match is not None:
            np = match.group("np").strip()
            if trim_np(np) == np and np.split()[0].lower() not in SPEECH_VERBS and not _no_name(np):
                return Frame(np, verb.group(0), "before")
    match = OPENER.match(sentence)
    np = trim_np(match.group("np")) if match is not None else ""
    if not np or np.split()[0].lower() in SPEECH_VERBS or np.endswith("ing") or _no_name(np):  # "Rising up, he ..."
        return _subject_pronoun(sentence, verbs[-1])
    return Frame(np, verbs[0].group(0), "before")


_SUBJECT_PRONOUN = re.compile(r"\b(?:he|she|He|She|I)\b")


def _subject_pronoun(sentence: str, verb: re.Match[str]) -> Frame | None:
    """"But when he did get it straight he looked at me, and says:": the last subject pronoun
    before the speech verb, where the sentence opens with no subject of its own."""
    found = list(_SUBJECT_PRONOUN.finditer(sentence[: verb.start()]))
    return Frame(found[-1].group(0), verb.group(0), "before") if found else None
