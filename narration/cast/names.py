"""Names as fiction prints them: titles, first names and surnames, nicknames, and the gender a
title or a first name suggests. Pure functions over strings; the only data is the small tables
here and ``gender-guesser``'s list of 40,000 first names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

FEMALE = "female"
MALE = "male"
NEUTRAL = "neutral"  # a group, or a thing: no gendered voice fits better
UNKNOWN = "unknown"
GENDERS = (FEMALE, MALE, NEUTRAL, UNKNOWN)

PERSON = "person"
ANIMAL = "animal"
GROUP = "group"
OTHER = "other"

# title (lower case, no stop) -> the gender it names; "" where it names none
TITLES: dict[str, str] = {
    "mr": MALE, "mister": MALE, "sir": MALE, "lord": MALE, "master": MALE, "monsieur": MALE, "m": MALE,
    "herr": MALE, "señor": MALE, "signor": MALE, "king": MALE, "prince": MALE, "duke": MALE,
    "count": MALE, "baron": MALE, "father": MALE, "brother": MALE, "uncle": MALE, "grandfather": MALE,
    "mrs": FEMALE, "miss": FEMALE, "ms": FEMALE, "lady": FEMALE, "madam": FEMALE, "madame": FEMALE,
    "mme": FEMALE, "mlle": FEMALE, "mademoiselle": FEMALE, "frau": FEMALE, "fräulein": FEMALE,
    "señora": FEMALE, "queen": FEMALE, "princess": FEMALE, "duchess": FEMALE, "countess": FEMALE,
    "baroness": FEMALE, "mother": FEMALE, "sister": FEMALE, "aunt": FEMALE, "grandmother": FEMALE,
    "dame": FEMALE, "mistress": FEMALE,
    "dr": "", "doctor": "", "professor": "", "prof": "", "captain": MALE, "colonel": MALE,
    "major": MALE, "general": MALE, "lieutenant": MALE, "sergeant": MALE, "inspector": MALE,
    "reverend": MALE, "rev": MALE, "judge": "", "saint": "", "st": "",
}  # fmt: skip

# A few common English pet names -> the given name they shorten (the text may link others).
NICKNAMES: dict[str, str] = {
    "lizzy": "elizabeth", "lizzie": "elizabeth", "eliza": "elizabeth", "liz": "elizabeth",
    "beth": "elizabeth", "betsy": "elizabeth", "bess": "elizabeth", "kitty": "catherine",
    "kate": "catherine", "katie": "catherine", "jenny": "jane", "jack": "john", "johnny": "john",
    "bill": "william", "billy": "william", "will": "william", "willy": "william", "bob": "robert",
    "bobby": "robert", "rob": "robert", "dick": "richard", "tom": "thomas", "tommy": "thomas",
    "ned": "edward", "ted": "edward", "teddy": "edward", "harry": "henry", "hal": "henry",
    "jim": "james", "jimmy": "james", "jem": "james", "joe": "joseph", "peggy": "margaret",
    "meg": "margaret", "maggie": "margaret", "polly": "mary", "molly": "mary", "sally": "sarah",
    "nancy": "anne", "annie": "anne", "nan": "anne", "fanny": "frances", "nell": "helen",
    "nelly": "helen", "charlie": "charles", "chuck": "charles", "sam": "samuel", "ben": "benjamin",
    "fred": "frederick", "freddy": "frederick", "dolly": "dorothy", "dot": "dorothy",
    "tony": "anthony", "nick": "nicholas", "steve": "stephen", "andy": "andrew", "mike": "michael",
}  # fmt: skip

# Nouns naming an animal: "the Fox", "the Mock Turtle", "the White Rabbit".
ANIMALS = frozenset(["fox", "crow", "lion", "mouse", "rabbit", "hare", "turtle", "tortoise", "cat", "dog", "wolf", "bear", "frog", "toad", "lamb", "sheep", "goat", "ass", "donkey", "horse", "mule", "ox", "bull", "cow", "pig", "hog", "boar", "eagle", "hawk", "owl", "raven", "dove", "pigeon", "sparrow", "swallow", "nightingale", "stork", "crane", "heron", "goose", "duck", "hen", "cock", "rooster", "fowl", "peacock", "swan", "bat", "ant", "grasshopper", "cricket", "bee", "wasp", "fly", "gnat", "spider", "snake", "serpent", "viper", "lizard", "crocodile", "monkey", "ape", "elephant", "camel", "deer", "stag", "fawn", "kid", "hound", "mastiff", "jackal", "tiger", "leopard", "panther", "fish", "dolphin", "whale", "crab", "lobster", "oyster", "caterpillar", "dormouse", "gryphon", "griffin", "dodo", "lory", "eaglet", "puppy", "kitten", "pup", "rat", "squirrel", "weasel", "mole", "badger", "otter", "beaver", "hedgehog", "porcupine", "parrot", "magpie", "jay", "lark", "thrush", "wren", "robin", "cuckoo", "vulture", "kite", "falcon", "cormorant", "ostrich", "pelican", "beetle", "flea", "louse", "worm", "snail", "slug"])

# Heads of a noun phrase naming many speakers at once.
GROUPS = frozenset(["crowd", "crew", "company", "others", "all", "everybody", "everyone", "voices", "chorus", "people", "men", "women", "children", "boys", "girls", "jury", "guests", "party", "soldiers", "sailors", "servants", "officers", "gentlemen", "ladies", "audience", "assembly", "mob", "throng", "multitude", "villagers", "family", "twins", "both", "rest"])

_TITLE_RE = re.compile(r"^(?P<title>[A-Za-zñä]+)\.?$")


@dataclass(frozen=True)
class Name:
    """A name split as "Mr. | Fitzwilliam | Darcy" (lower-cased parts, "" where absent)."""

    title: str
    first: str
    last: str
    article: bool = False  # "the Hatter": a description used as a name

    @property
    def key(self) -> str:
        return " ".join(p for p in (self.title, self.first, self.last) if p)


def title_of(word: str) -> str | None:
    """``word``'s title key ("mr" for "Mr." and "Mr"), or None when it is no title."""
    match = _TITLE_RE.match(word)
    if not match:
        return None
    key = match.group("title").lower()
    return key if key in TITLES else None


def parse_name(text: str) -> Name:
    """"Miss Elizabeth Bennet", "Lizzy", "Mr. Darcy", "the Mock Turtle" as a ``Name``."""
    words = text.replace("’s", "").split()
    article = bool(words) and words[0].lower() in ("the", "a", "an")
    if article:
        words = words[1:]
    title = ""
    while len(words) > 1 and title_of(words[0]) is not None:
        title = title or title_of(words[0]) or ""
        words = words[1:]
    if len(words) == 1 and title_of(words[0]) is not None and not article:
        return Name(title_of(words[0]) or "", "", "", article)
    low = [w.lower().strip(".,") for w in words]
    if not low:
        return Name(title, "", "", article)
    if article or len(low) == 1:
        # "the Mock Turtle": the whole description; a lone word after a title is a surname
        # ("Mr. Bennet"), alone it is a given name or a surname: kept as first.
        whole = " ".join(low)
        return Name(title, "", whole, article) if (title or article) else Name("", whole, "", False)
    return Name(title, low[0], " ".join(low[1:]), article)


def given(first: str) -> str:
    """The given name a nickname stands for ("lizzy" -> "elizabeth"), else ``first``."""
    return NICKNAMES.get(first, first)


@cache
def _detector():
    from gender_guesser import detector

    return detector.Detector(case_sensitive=False)


def gender_of_first_name(first: str) -> str:
    """FEMALE/MALE from ``gender-guesser``'s name list (a "mostly_" answer counts), else UNKNOWN."""
    if not first or not first.isalpha():
        return UNKNOWN
    answer = _detector().get_gender(given(first.lower()).capitalize())
    if answer in ("female", "mostly_female"):
        return FEMALE
    if answer in ("male", "mostly_male"):
        return MALE
    return UNKNOWN


def kind_of(name: Name) -> str:
    """PERSON, ANIMAL ("the Fox", "the Mock Turtle") or GROUP ("the crowd", "the others")."""
    head = (name.last or name.first).split()[-1:] or [""]
    if head[0] in GROUPS:
        return GROUP
    if head[0].rstrip("s") in ANIMALS or head[0] in ANIMALS:
        return ANIMAL
    return PERSON
