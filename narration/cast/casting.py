"""A voice for each character, as pure functions, and ``cast.toml``, the cast a user edits.

Voices are the backend's names with their gender in them (Kokoro's ``af_``/``am_`` American,
``bf_``/``bm_`` British female and male). The caller passes each voice's style vector
(Kokoro's ``voices/NAME.bin``, 510 x 1 x 256: one 256-value style a token count); this module
reads no voice file, so it imports no synthesis code.

How voices are told apart: the cosine distance between two voices' style vectors averaged over
the 510 token counts. Over Kokoro v1.0's 28 English voices, two of one gender lie a median 0.51
apart (the closest pair 0.17, af_heart and af_bella 0.22); ``min_distance`` 0.3 keeps a character
off the narrator's near twins and off those of the characters it talks with.

Stable: each character ranks the voices by a hash of its name and the voice's (rendezvous
hashing), so its choice depends on its own name, not on who else is in the book; the characters
with the most lines choose first, so adding a minor one never moves a major one; and a voice
given in the previous ``cast.toml`` is kept.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from narration.cast.characters import Character, slug
from narration.cast.names import FEMALE, GENDERS, MALE, UNKNOWN
from narration.errors import InputError
from narration.store.atomic import write_text

MIN_DISTANCE = 0.3
MIN_LINES = 3  # a character with fewer lines shares a minor voice
POOL_SIZE = 2  # minor voices per gender
_GENDER_LETTER = {FEMALE: "f", MALE: "m"}


@dataclass(frozen=True)
class Cast:
    """The narrator's voice and each character with its voice ("" : the narrator reads it)."""

    narrator: str
    characters: tuple[Character, ...]

    def voice_of(self, character_id: str | None) -> str:
        """The voice a quote by ``character_id`` is read in; the narrator's for None or unknown."""
        for c in self.characters:
            if c.id == character_id and c.voice:
                return c.voice
        return self.narrator


def style_vector(pack: np.ndarray) -> np.ndarray:
    """A voice's style averaged over its token counts: 256 values (a 256-vector is kept as it is)."""
    array = np.asarray(pack, dtype=np.float64)
    return array.reshape(-1, array.shape[-1]).mean(axis=0)


def style_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine distance between two voices' averaged style vectors: 0 the same, 1 unrelated."""
    x, y = style_vector(a), style_vector(b)
    return float(1.0 - np.dot(x, y) / (np.linalg.norm(x) * np.linalg.norm(y)))


def _rank(name: str, voices: Sequence[str]) -> list[str]:
    """``voices`` in the order ``name`` prefers them: a hash of the two, so it depends on nothing else."""
    return sorted(voices, key=lambda v: hashlib.sha256(f"{name}\0{v}".encode()).hexdigest())


def _accent(narrator: str) -> str:
    """"a" (American) or "b" (British): the narrator's, American for a voice of another kind."""
    first = narrator.split(":")[0].split(",")[0].strip()[:1]
    return first if first in ("a", "b") else "a"


def _fits(voice: str, gender: str, accent: str) -> bool:
    letter = _GENDER_LETTER.get(gender)
    return voice[:1] == accent and voice[2:3] == "_" and (letter is None or voice[1:2] == letter)


def choose_voices(
    characters: Sequence[Character],
    styles: Mapping[str, np.ndarray],
    narrator: str,
    partners: Mapping[str, set[str]] | None = None,
    previous: Mapping[str, str] | None = None,
    *,
    accent: str | None = None,
    min_lines: int = MIN_LINES,
    pool_size: int = POOL_SIZE,
    min_distance: float = MIN_DISTANCE,
) -> list[Character]:
    """``characters`` with a voice each from ``styles`` (voice name -> style vector).

    A character with ``min_lines`` or more gets its own voice of its gender and the narrator's
    accent (or ``accent``), ``min_distance`` from the narrator's and from those of the characters
    it talks with (``partners``: id -> ids); the others share ``pool_size`` voices per gender;
    one with no lines keeps the narrator (voice ""). ``previous`` (name -> voice, from the last
    ``cast.toml``) is kept wherever that voice is still offered.
    """
    partners = partners or {}
    previous = previous or {}
    accent = accent or _accent(narrator)
    offered = sorted(v for v in styles if v != narrator)
    narrator_style = styles.get(narrator)

    def far(voice: str, others: Sequence[str]) -> bool:
        pairs = [o for o in others if o in styles]
        if narrator_style is not None and style_distance(styles[voice], narrator_style) < min_distance:
            return False
        return all(style_distance(styles[voice], styles[o]) >= min_distance for o in pairs)

    chosen: dict[str, str] = {}
    major = sorted((c for c in characters if c.lines >= min_lines), key=lambda c: (-c.lines, c.name))
    for c in major:
        kept = previous.get(c.name)
        if kept and (kept in styles or "," in kept or ":" in kept):
            chosen[c.id] = kept
            continue
        fitting = [v for v in offered if _fits(v, c.gender, accent)] or [v for v in offered if _fits(v, UNKNOWN, accent)]
        talking = [chosen[p] for p in partners.get(c.id, ()) if p in chosen]
        taken = set(chosen.values())
        ranked = _rank(c.name, fitting)
        chosen[c.id] = (
            next((v for v in ranked if v not in taken and far(v, talking)), None)
            or next((v for v in ranked if v not in talking and far(v, [])), None)
            or next((v for v in ranked if v not in talking), ranked[0] if ranked else narrator)
        )
    pools = _pools(offered, set(chosen.values()), accent, pool_size, far)
    out = []
    for c in characters:
        if c.id in chosen:
            voice = chosen[c.id]
        elif c.lines <= 0:
            voice = ""
        elif previous.get(c.name) and previous[c.name] in styles:
            voice = previous[c.name]
        else:
            pool = pools.get(_GENDER_LETTER.get(c.gender, ""), []) or pools.get("", [])
            voice = _rank(c.name, pool)[0] if pool else ""
        out.append(replace(c, voice=voice))
    return out


def _pools(offered: list[str], taken: set[str], accent: str, size: int, far) -> dict[str, list[str]]:
    """``size`` voices per gender ("f", "m", and "" for either) for the minor characters:
    far from the narrator, not a major character's, in an order fixed by their names."""
    pools = {}
    for letter, gender in (("f", FEMALE), ("m", MALE)):
        free = [v for v in _rank("minor", offered) if _fits(v, gender, accent) and v not in taken]
        pools[letter] = ([v for v in free if far(v, [])] or free)[:size]
    pools[""] = pools["f"][:1] + pools["m"][:1]
    return pools


# -- cast.toml ------------------------------------------------------------------------------------

_HEADER = """\
# The book's cast: who speaks, and in which voice. Edit and rerun narrate: rename a character,
# give one another voice (a name, or a mix "af_heart:0.7,bf_emma:0.3"), voice = "" to have the
# narrator read its lines, or merge two by moving one's name into the other's aliases.
"""


def _string(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(value, ensure_ascii=False)


def cast_toml(cast: Cast) -> str:
    lines = [_HEADER, f"narrator = {_string(cast.narrator)}", ""]
    for c in cast.characters:
        lines += [
            "[[character]]",
            f"id = {_string(c.id)}",
            f"name = {_string(c.name)}",
            f"aliases = [{', '.join(_string(a) for a in c.aliases)}]",
            f"gender = {_string(c.gender)}",
            f"kind = {_string(c.kind)}",
            f"lines = {int(c.lines)}",
            f"voice = {_string(c.voice)}",
            "",
        ]
    return "\n".join(lines)


def write_cast(path: str | Path, cast: Cast) -> Path:
    """``cast.toml`` written atomically (a reader never sees half of it)."""
    return write_text(path, cast_toml(cast))


def read_cast(path: str | Path) -> Cast:
    """A ``cast.toml`` (written by ``write_cast`` or by hand); InputError naming the file and
    the problem for one that is not."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise InputError(path, f"not a readable cast file ({e})") from e
    narrator = data.get("narrator", "")
    rows = data.get("character", [])
    if not isinstance(narrator, str) or not isinstance(rows, list):
        raise InputError(path, "'narrator' must be a string and [[character]] a list of tables")
    characters, seen = [], set()
    for n, row in enumerate(rows, start=1):
        characters.append(_character(path, n, row))
        if characters[-1].id in seen:
            raise InputError(path, f"character {n}: id {characters[-1].id!r} appears twice")
        seen.add(characters[-1].id)
    return Cast(narrator, tuple(characters))


def _character(path: Path, n: int, row: object) -> Character:
    where = f"character {n}"
    if not isinstance(row, dict) or not isinstance(row.get("name"), str) or not row["name"].strip():
        raise InputError(path, f"{where}: needs a name")
    aliases = row.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise InputError(path, f"{where} ({row['name']}): aliases must be a list of strings")
    gender = row.get("gender", UNKNOWN)
    if gender not in GENDERS:
        raise InputError(path, f"{where} ({row['name']}): gender {gender!r} is not one of {', '.join(GENDERS)}")
    lines, voice = row.get("lines", 0), row.get("voice", "")
    if not isinstance(lines, int) or lines < 0 or not isinstance(voice, str):
        raise InputError(path, f"{where} ({row['name']}): lines must be a count and voice a string")
    ident = row.get("id") or slug(row["name"])
    return Character(str(ident), row["name"].strip(), tuple(aliases), gender, str(row.get("kind", "person")), lines, voice)


# -- the cast a run reads with --------------------------------------------------------------------


def _entry_for(character: Character, previous: Cast) -> Character | None:
    """The previous cast's entry for ``character``: the same id, else one that lists its name
    among its name and aliases (a rename keeps the id; a merge moves a name into the aliases)."""
    by_id = next((c for c in previous.characters if c.id == character.id), None)
    if by_id is not None:
        return by_id
    return next((c for c in previous.characters if character.name in c.forms), None)


def build_cast(
    characters: Sequence[Character],
    narrator: str,
    previous: Cast | None,
    styles: Mapping[str, np.ndarray],
    partners: Mapping[str, set[str]] | None = None,
) -> tuple[Cast, dict[str, str]]:
    """The cast for this run, and each found character's id -> the id it is cast as.

    A character the ``previous`` cast (the book's last ``cast.toml``, or one the user wrote)
    lists, by id or by a name among a character's name and aliases, keeps that entry: its name,
    aliases and voice ("" : the narrator reads it), whatever changed; two found characters under
    one entry (merged) are one. Every other character is given a voice (``choose_voices``, away
    from the entries' voices); without ``styles`` none is, and the narrator reads them."""
    entries: dict[str, Character] = {}
    cast_as: dict[str, str] = {}
    fresh: list[Character] = []
    for c in characters:
        entry = _entry_for(c, previous) if previous else None
        if entry is None:
            fresh.append(c)
            cast_as[c.id] = c.id
            continue
        cast_as[c.id] = entry.id
        lines = entries[entry.id].lines if entry.id in entries else 0
        entries[entry.id] = replace(entry, lines=lines + c.lines)
    if styles and fresh:
        kept = {e.name: e.voice for e in entries.values() if e.voice}
        placed = choose_voices([*entries.values(), *fresh], styles, narrator, partners, kept)
        fresh = placed[len(entries):]
    return Cast(narrator, (*entries.values(), *fresh)), cast_as
