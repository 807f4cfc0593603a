"""Voices as pure functions, and cast.toml."""

from __future__ import annotations

import numpy as np
import pytest

from narration.cast.casting import Cast, choose_voices, read_cast, style_distance, write_cast
from narration.cast.characters import Character
from narration.errors import InputError


def _styles(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    names = [f"{a}{g}_{n}" for a in "ab" for g in "fm" for n in ("one", "two", "three", "four", "five")]
    styles = {n: rng.normal(size=256) for n in names}
    styles["af_twin"] = styles["af_one"] + rng.normal(scale=0.01, size=256)  # the narrator's near twin
    return styles


def _chars() -> list[Character]:
    return [Character("alice", "Alice", (), "female", "person", 40), Character("hatter", "the Hatter", (), "male", "person", 30),
            Character("queen", "the Queen", (), "female", "person", 12), Character("dodo", "the Dodo", (), "unknown", "animal", 1),
            Character("mouse", "the Mouse", (), "male", "animal", 2), Character("cat", "the Cat", (), "unknown", "animal", 0)]  # fmt: skip


def test_gender_accent_distance_and_partners():
    styles = _styles()
    cast = {c.id: c for c in choose_voices(_chars(), styles, "af_one", {"alice": {"hatter", "queen"}})}
    assert cast["alice"].voice.startswith("af_") and cast["queen"].voice.startswith("af_")
    assert cast["hatter"].voice.startswith("am_")  # gender, the narrator's accent
    assert cast["alice"].voice != cast["queen"].voice  # they talk with each other
    for c in ("alice", "queen"):
        assert cast[c].voice not in ("af_one", "af_twin")  # the narrator and its near twin
        assert style_distance(styles[cast[c].voice], styles["af_one"]) >= 0.3
    assert cast["cat"].voice == ""  # no lines: the narrator reads it
    assert cast["mouse"].voice.startswith("am_") and cast["dodo"].voice  # minor ones share a pool


def test_stable_when_others_are_added_and_across_reruns():
    styles = _styles()
    first = {c.id: c.voice for c in choose_voices(_chars(), styles, "af_one")}
    more = _chars() + [Character("duchess", "the Duchess", (), "female", "person", 5)]
    second = {c.id: c.voice for c in choose_voices(more, styles, "af_one")}
    assert all(second[k] == v for k, v in first.items())
    kept = {c.id: c.voice for c in choose_voices(_chars(), styles, "af_one", previous={"Alice": "bf_two"})}
    assert kept["alice"] == "bf_two"  # an edited cast.toml's voice is kept


def test_british_narrator_casts_british_voices():
    cast = choose_voices(_chars(), _styles(), "bf_one")
    assert all(c.voice.startswith("b") for c in cast if c.voice)


def test_cast_toml_round_trip_and_errors(tmp_path):
    chars = tuple(choose_voices(_chars(), _styles(), "af_one"))
    chars = (chars[0].__class__(**{**chars[0].__dict__, "aliases": ('Al "the girl"', "Ally")}),) + chars[1:]
    path = write_cast(tmp_path / "cast.toml", Cast("af_one", chars))
    assert read_cast(path) == Cast("af_one", chars)
    bad = tmp_path / "bad.toml"
    bad.write_text('[[character]]\nname = "X"\ngender = "robot"\n', encoding="utf-8")
    with pytest.raises(InputError, match="bad.toml.*gender"):
        read_cast(bad)
    bad.write_text("narrator = [", encoding="utf-8")
    with pytest.raises(InputError, match="bad.toml"):
        read_cast(bad)
