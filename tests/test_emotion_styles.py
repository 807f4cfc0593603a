"""The tag -> backend style table: shipped defaults, user overrides, bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from narration.emotion.styles import default_styles, instruction, load_styles, prosody_table
from narration.emotion.tags import TAGS
from narration.errors import ConfigError


def test_shipped_table_covers_every_tag_for_every_backend() -> None:
    styles = default_styles()
    assert set(styles) >= {"qwen3", "piper", "kokoro"}
    for backend in ("qwen3", "piper", "kokoro"):
        assert set(styles[backend]) == set(TAGS)
    assert instruction("qwen3", "neutral", styles) == ""
    assert "sad" in instruction("qwen3", "sad", styles).lower()
    for tag, prosody in prosody_table("piper", styles).items():
        assert set(prosody) == {"rate", "noise"}
        assert 0.8 <= prosody["rate"] <= 1.2, tag  # narration, not acting


def test_kokoro_english_tags_borrow_a_delivery_of_each_gender() -> None:
    table = prosody_table("kokoro-en", default_styles())
    assert set(table) == set(TAGS) and "blend" not in table["neutral"]
    for tag in set(TAGS) - {"neutral"}:
        names = [entry.split(":")[0] for entry in table[tag]["blend"]]
        assert {name[1] for name in names} == {"f", "m"}, tag  # a woman's and a man's voice to borrow from
        assert 0.85 <= table[tag]["rate"] <= 1.15, tag


def test_a_blend_is_voice_and_share() -> None:
    from narration.emotion.styles import parse_blend

    assert parse_blend("af_nicole:0.3") == ("af_nicole", 0.3)
    assert parse_blend(" bm_george : 0.5 ") == ("bm_george", 0.5)
    for bad in ("af_nicole", "af_nicole:0", "af_nicole:0.51", "af nicole:0.2", ":0.2", "af_nicole:nan"):
        with pytest.raises(ConfigError):
            parse_blend(bad)


def test_piper_voices_the_table(tmp_path: Path) -> None:
    from narration.synthesis.piper import PiperBackend

    backend = PiperBackend(style_prosody=prosody_table("piper", load_styles()))
    neutral, sad = backend._settings("neutral"), backend._settings("sad")
    assert sad["length_scale"] > neutral["length_scale"]  # sadness reads slower
    assert sad["noise_scale"] < 0.667  # and flatter than Piper's default


def test_a_user_file_overrides_tag_by_tag(tmp_path: Path) -> None:
    user = tmp_path / "styles.toml"
    user.write_text('[qwen3]\nsad = "Speak softly, close to tears."\n[piper]\nhappy = { rate = 1.2 }\n')
    styles = load_styles(user)
    assert instruction("qwen3", "sad", styles) == "Speak softly, close to tears."
    assert instruction("qwen3", "angry", styles) == default_styles()["qwen3"]["angry"]
    assert prosody_table("piper", styles)["happy"] == {"rate": 1.2, "noise": 1.0}
    assert prosody_table("piper", styles)["sad"] == default_styles()["piper"]["sad"]


def test_a_new_backend_can_be_added(tmp_path: Path) -> None:
    user = tmp_path / "styles.toml"
    user.write_text('[myvoice]\nangry = { rate = 1.1, noise = 1.2 }\n')
    assert prosody_table("myvoice", load_styles(user)) == {"angry": {"rate": 1.1, "noise": 1.2}}
    assert prosody_table("nothing-here", load_styles(user)) == {}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[piper]\nelated = { rate = 1.1 }\n", "unknown tag 'elated'"),
        ("[piper]\nsad = { rate = 0 }\n", "sad.rate"),
        ("[piper]\nsad = { rate = 1.0, pitch = 2 }\n", "unknown key 'pitch'"),
        ("[piper]\nsad = 3\n", "instruction string or"),
        ('[piper]\nsad = "Speak sadly."\n', "same kind"),
        ('[qwen3]\nsad = "x"\nhappy = { rate = 1.0 }\n', "mixes"),
        ('[kokoro-en]\nsad = { blend = "af_nicole" }\n', "voice:weight"),
        ('[kokoro-en]\nsad = { blend = "af_nicole:0.8" }\n', "at most 0.5"),
        ('[kokoro-en]\nsad = { blend = ["af_nicole:0.3", "am_adam:x"] }\n', "am_adam:x"),
        ('[kokoro-en]\nsad = { blend = [] }\n', "list of them"),
        ('[kokoro-en]\nsad = { blend = 3 }\n', "list of them"),
        ("[piper\n", "not valid TOML"),
    ],
)
def test_bad_user_files_are_config_errors_naming_the_file(tmp_path: Path, content: str, message: str) -> None:
    user = tmp_path / "mine.toml"
    user.write_text(content)
    with pytest.raises(ConfigError, match=message) as error:
        load_styles(user)
    assert "mine.toml" in str(error.value)


def test_a_missing_user_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_styles(tmp_path / "nope.toml")


def test_asking_the_wrong_kind_of_setting_is_an_error() -> None:
    with pytest.raises(ConfigError):
        prosody_table("qwen3", default_styles())
    with pytest.raises(ConfigError):
        instruction("piper", "sad", default_styles())
