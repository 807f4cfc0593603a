"""A book's characters: the names its speech frames print, clustered into people.

"Elizabeth", "Lizzy" and "Elizabeth Bennet" are one character (a first name or a pet name
joins the one full name it fits); "Mr. Bennet" and "Mrs. Bennet" stay two (the titles'
genders differ), and so does "Miss Bennet" while two Miss Bennets fit it. Gender comes from the
title, then ``gender-guesser``'s first names, then the pronouns that follow the character's
mentions in the narration. Pure functions over strings.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from narration.cast.names import (
    FEMALE,
    GROUP,
    MALE,
    NEUTRAL,
    TITLES,
    UNKNOWN,
    Name,
    gender_of_first_name,
    given,
    kind_of,
    parse_name,
)

# Descriptions that point back at someone rather than name anyone.
_ANAPHORIC = frozenset({"the other", "the latter", "the former", "the first", "the second", "the same", "the one"})
# Heads of a description whose gender they say ("the old man", "the girl").
GENDERED_NOUNS = {
    **dict.fromkeys(["man", "gentleman", "boy", "fellow", "lad", "king", "prince", "lord", "husband", "father", "son", "brother", "uncle", "nephew", "sir", "master", "monk", "priest", "youth"], MALE),
    **dict.fromkeys(["woman", "lady", "girl", "lass", "queen", "princess", "wife", "mother", "daughter", "sister", "aunt", "niece", "maid", "nurse", "widow", "duchess"], FEMALE),
}  # fmt: skip
# "her" left out: as often the object of a man's act ("he looked at her") as a woman's own.
_PRONOUN_AFTER = re.compile(r"\b(he|him|his|himself|she|hers|herself)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Character:
    """One character of the book: ``name`` as most often printed, the other forms in ``aliases``."""

    id: str  # a slug of the name, stable for a name ("mock-turtle")
    name: str
    aliases: tuple[str, ...] = ()
    gender: str = UNKNOWN  # names.GENDERS
    kind: str = "person"  # names.PERSON/ANIMAL/GROUP/OTHER
    lines: int = 0  # quotes attributed to it
    voice: str = ""  # the backend's voice (or a mix); "": the narrator's (``casting``)

    @property
    def forms(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


def slug(name: str) -> str:
    """"the Mock Turtle" -> "mock-turtle", "Mr. Bennet" -> "mr-bennet"."""
    words = re.findall(r"[\w]+", name.lower())
    if words and words[0] in ("the", "a", "an"):
        words = words[1:]
    return "-".join(words) or "someone"


def is_anaphoric(np: str) -> bool:
    """"the other", "the latter": a description pointing back, never a character."""
    return " ".join(np.lower().split()) in _ANAPHORIC


def gendered_noun(np: str) -> str | None:
    """FEMALE/MALE for a description headed by a gendered noun ("the old man"), else None."""
    words = np.lower().split()
    if len(words) < 2 or words[0] not in ("the", "a", "an", "his", "her", "my", "their", "our"):
        return None
    return GENDERED_NOUNS.get(words[-1].split("-")[-1])  # "the shepherd-boy"


@dataclass
class _Cluster:
    forms: Counter[str] = field(default_factory=Counter)
    names: list[Name] = field(default_factory=list)

    def add(self, form: str, count: int, name: Name) -> None:
        self.forms[form] += count
        self.names.append(name)

    @property
    def title_gender(self) -> str:
        genders = {TITLES.get(n.title, "") for n in self.names} - {""}
        return genders.pop() if len(genders) == 1 else ""

    @property
    def firsts(self) -> set[str]:
        return {given(n.first) for n in self.names if n.first and not n.article}

    @property
    def lasts(self) -> set[str]:
        return {n.last for n in self.names if n.last and not n.article}


def _compatible(name: Name, cluster: _Cluster) -> bool:
    titles = {n.title for n in cluster.names if n.title and TITLES.get(n.title)}
    if name.title and TITLES.get(name.title) and titles and name.title not in titles:
        return False  # "Miss Bennet" is not "Mrs. Bennet", "Lady Lucas" not "Miss Lucas"
    mine, theirs = TITLES.get(name.title, ""), cluster.title_gender
    if mine and theirs and mine != theirs:
        return False
    if mine and not theirs:
        firsts = {gender_of_first_name(f) for f in cluster.firsts} - {UNKNOWN}
        return not firsts or firsts == {mine}
    return True


def _within(short: list[str], long: list[str]) -> bool:
    """``short`` is ``long`` with words left out, the same last word (its head) kept."""
    if not short or short[-1] != long[-1]:
        return False
    rest = iter(long)
    return all(word in rest for word in short)


def _join(name: Name, anchors: list[_Cluster]) -> _Cluster | None:
    """The one full-named cluster a shorter form fits, else None."""
    if name.article:  # "the Woodman" is "the Tin Woodman", "the little woman" "the little old woman"
        words = name.last.split()
        fits = [c for c in anchors if any(n.article and n.last != name.last and _within(words, n.last.split())
                                          for n in c.names)]  # fmt: skip
        return fits[0] if len(fits) == 1 else None
    if name.first and not name.last:  # a lone word: a given name, a pet name, or a surname
        word = given(name.first)
        fits = [c for c in anchors if word in c.firsts] or [c for c in anchors if name.first in c.lasts]
        men = [c for c in fits if c.title_gender == MALE]
        if len(fits) > 1 and len(men) == 1 and not any(word in c.firsts for c in fits):
            fits = men  # a bare surname names a man: "Bingley" is Mr. Bingley, not Miss Bingley
    elif name.last and not name.first:  # "Mr. Bennet", "Miss Elizabeth"
        fits = [c for c in anchors if (name.last in c.lasts or given(name.last) in c.firsts) and _compatible(name, c)]
    else:
        fits = [c for c in anchors if given(name.first) in c.firsts and name.last in c.lasts and _compatible(name, c)]
    return fits[0] if len(fits) == 1 else None


def cluster_names(counts: Mapping[str, int]) -> list[list[str]]:
    """Forms of names (with how often each was seen) grouped into characters, most seen first."""
    parsed = {form: parse_name(form) for form in counts}
    clusters: dict[str, _Cluster] = {}
    # Full names first ("Elizabeth Bennet"), each its own anchor; then the shorter forms.
    order = sorted(counts, key=lambda f: (not (parsed[f].first and parsed[f].last), -len(f.split()), -counts[f], f))
    anchors: list[_Cluster] = []
    for form in order:
        name = parsed[form]
        key = ("the " if name.article else "") + name.key
        # "Hatter" is "the Hatter" where the book prints both
        cluster = clusters.get(key) or (None if name.article else clusters.get("the " + name.key)) or _join(name, anchors)
        if cluster is None:
            cluster = _Cluster()
            if name.first or name.last:
                anchors.append(cluster)
        clusters[key] = cluster
        cluster.add(form, counts[form], name)
    unique = list({id(c): c for c in clusters.values()}.values())
    unique.sort(key=lambda c: (-sum(c.forms.values()), c.forms.most_common(1)[0][0]))
    return [_ordered_forms(c) for c in unique]


def _ordered_forms(cluster: _Cluster) -> list[str]:
    """The cluster's forms, the one printed most first (the longer on a tie)."""
    return sorted(cluster.forms, key=lambda f: (-cluster.forms[f], -len(f), f))


def _pronoun_gender(forms: Sequence[str], texts: Iterable[str], votes_needed: int = 2) -> str:
    """FEMALE/MALE from the first gendered pronoun after each mention, when most agree."""
    # "The Mouse" opening a sentence counts only for a voice's gender: for resolving "she said"
    # it cost Oz six quotes (the dead Witch of the East, a "she", took the living witch's lines)
    variants = {v for f in forms for v in ((f, f[:1].upper() + f[1:]) if votes_needed < 2 else (f,))}
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(f) for f in sorted(variants, key=len, reverse=True)) + r")\b")
    votes: Counter[str] = Counter()
    for text in texts:
        for match in pattern.finditer(text):
            after = _PRONOUN_AFTER.search(text, match.end(), match.end() + 120)
            if after:
                votes[MALE if after.group(1).lower() in ("he", "him", "his", "himself") else FEMALE] += 1
    total = sum(votes.values())
    if total >= votes_needed:
        top, n = votes.most_common(1)[0]
        if n >= 0.7 * total:
            return top
    return UNKNOWN


def gender_of(forms: Sequence[str], narration: Iterable[str], votes_needed: int = 2) -> str:
    """A character's gender: its title, a first name's, a gendered description's, then pronouns."""
    names = [parse_name(f) for f in forms]
    titles = {TITLES.get(n.title, "") for n in names} - {""}
    if len(titles) == 1:
        return titles.pop()
    if any(kind_of(n) == GROUP for n in names):
        return NEUTRAL
    for form in forms:
        noun = gendered_noun(form)
        if noun:
            return noun
    firsts = Counter(gender_of_first_name(n.first) for n in names if n.first and not n.article) - Counter({UNKNOWN: 10**9})
    if firsts and len(firsts) == 1:
        return next(iter(firsts))
    return _pronoun_gender(forms, narration, votes_needed)


def build_characters(counts: Mapping[str, int], narration: Sequence[str]) -> list[Character]:
    """Characters from the forms speech frames named (``counts``), with gender from the
    narration's text (each paragraph's narration, quotes left out)."""
    characters: list[Character] = []
    seen: set[str] = set()
    for forms in cluster_names(counts):
        name = forms[0]
        ident = slug(name)
        n = 2
        while ident in seen:
            ident, n = f"{slug(name)}-{n}", n + 1
        seen.add(ident)
        parsed = parse_name(name)
        characters.append(Character(ident, name, tuple(forms[1:]), gender_of(forms, narration), kind_of(parsed)))
    return characters
