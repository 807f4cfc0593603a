"""The qwen3 backend on CPU, with a tiny random CustomVoice model built at test time.

The model is built once per session from qwen_tts's config classes, saved, and loaded back through
the backend's own loading code (the same path a real checkpoint takes). Its speech is noise; what
is tested is the structure: batching, per-item lengths, prompts, sampling, runaways, loading.
"""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from transformers import LogitsProcessor

from narration.errors import ConfigError
from narration.model import Utterance
from narration.synthesis.base import Backend
from narration.synthesis.qwen3 import Qwen3Backend, text_seed
from narration.synthesis.qwen3_batching import (
    FRAME_RATE,
    BatchCost,
    LengthLimits,
    batch_tokens,
    expected_seconds,
    frame_cap,
    plan_batches,
    runaway_reason,
)
from narration.synthesis.qwen3_sampling import GumbelMax, gumbel_noise, uniform_from_bits

SAMPLES_PER_FRAME = 1920
LIMITS = LengthLimits()


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    # Tiny matrices: thread hand-offs cost more than the maths, badly so on a busy 2-core runner.
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture(scope="module")
def backend(tiny_model_dir: Path) -> Qwen3Backend:
    instance = Qwen3Backend(model=str(tiny_model_dir))
    yield instance
    instance.close()


@pytest.fixture
def steer(backend: Qwen3Backend, monkeypatch: pytest.MonkeyPatch):
    """Script when each item stops: ``steer({text: frames or None})``; a dict per attempt is allowed."""
    eos = backend._model().model.config.talker_config.codec_eos_token_id
    calls: list[tuple[list[str], int]] = []

    def install(script: dict[str, object]) -> list[tuple[list[str], int]]:
        def processors(requests, attempt):
            calls.append(([r.text for r in requests], attempt))
            targets = []
            for r in requests:
                plan = script.get(r.text, "natural")
                targets.append(plan.get(attempt, plan.get("else", "natural")) if isinstance(plan, dict) else plan)
            return [EndAt(targets, eos)]

        monkeypatch.setattr(backend, "_extra_talker_processors", processors)
        return calls

    return install


class EndAt(LogitsProcessor):
    """Row i ends after exactly targets[i] frames; None never ends; "natural" leaves it to the model."""

    def __init__(self, targets: list[object], eos: int) -> None:
        self.targets = targets
        self.eos = eos

    def __call__(self, input_ids, scores):
        generated = input_ids.shape[-1]
        scores = scores.clone()
        for row, target in enumerate(self.targets):
            if target == "natural":
                continue
            if target is not None and generated >= target:
                scores[row] = float("-inf")
                scores[row, self.eos] = 0.0
            else:
                scores[row, self.eos] = float("-inf")
        return scores


def plausible_frames(text: str, language: str = "en") -> int:
    return max(3, round(expected_seconds(text, language, LIMITS) * FRAME_RATE))


TEXTS = [
    "The rain had stopped before anyone noticed it had begun.",
    "She laughed.",
    "Nobody in the village could remember a winter as long as that one had been.",
]


# ---- the backend -------------------------------------------------------------------------------


def test_backend_protocol_and_attributes(backend: Qwen3Backend) -> None:
    assert isinstance(backend, Backend)
    assert backend.name == "qwen3"
    assert 40 <= backend.max_chars <= 2000
    assert backend.quantization == "fp32" and backend.device == "cpu"


def test_batch_has_right_shapes_rate_and_per_item_lengths(backend: Qwen3Backend, steer) -> None:
    targets = {text: plausible_frames(text) for text in TEXTS}
    steer(targets)
    audios = backend.synthesize([Utterance(text) for text in TEXTS])

    assert len(audios) == len(TEXTS)
    for text, audio in zip(TEXTS, audios, strict=True):
        assert audio.sample_rate == 24000
        assert audio.samples.dtype == np.float32 and audio.samples.ndim == 1
        # Each item is trimmed to its own end of speech, not padded to the batch's longest.
        assert audio.info["frames"] == targets[text]
        assert len(audio.samples) == targets[text] * SAMPLES_PER_FRAME
        assert audio.info["batch_size"] == 3 and audio.info["attempts"] == 1
        assert "runaway" not in audio.info
        assert np.abs(audio.samples).max() > 0  # the randomised codec is not silent
    assert len({len(a.samples) for a in audios}) == 3


def test_instructions_speakers_and_languages_reach_the_model(backend: Qwen3Backend, monkeypatch) -> None:
    tts = backend._model()
    tokenizer = tts.processor.tokenizer
    seen_generate: list[dict] = []
    original_generate = tts.model.generate

    def spy_generate(**kwargs):
        seen_generate.append(kwargs)
        return original_generate(**kwargs)

    monkeypatch.setattr(tts.model, "generate", spy_generate)
    embedded: list[str] = []  # every text sequence the talker's text embedding actually embeds
    hook = tts.model.talker.get_text_embeddings().register_forward_hook(
        lambda _module, args, _out: embedded.append(tokenizer.decode(args[0].reshape(-1).tolist()))
    )
    try:
        utterances = [
            Utterance("I never thought I would see this place again.", style="sad"),
            Utterance("Well, that went better than expected!", style="happy", voice="Aiden"),
            Utterance("今日はいい天気ですね。", language="ja", style="neutral"),
        ]
        backend.synthesize(utterances)
    finally:
        hook.remove()

    call = seen_generate[0]
    rows = {tokenizer.decode(ids.reshape(-1).tolist()): i for i, ids in enumerate(call["input_ids"])}
    by_text = {u.text: rows[f"<|im_start|>assistant\n{u.text}<|im_end|>\n<|im_start|>assistant\n"] for u in utterances}

    sad, happy, japanese = (by_text[u.text] for u in utterances)
    instruct = call["instruct_ids"]
    assert tokenizer.decode(instruct[sad].reshape(-1).tolist()) == "<|im_start|>user\nSpeak with quiet sadness.<|im_end|>\n"
    assert "light smile" in tokenizer.decode(instruct[happy].reshape(-1).tolist())
    assert instruct[japanese] is None  # neutral: no instruction at all
    assert any("Speak with quiet sadness." in text for text in embedded)  # it reached the talker's input
    assert call["speakers"][happy] == "aiden" and call["speakers"][sad] == "ryan"
    assert call["speakers"][japanese] == "ono_anna" and call["languages"][japanese] == "japanese"
    assert call["languages"][sad] == "english"


def test_seed_reproduces_retake_differs_and_batch_does_not_matter(backend: Qwen3Backend, steer) -> None:
    first = Utterance("The door opened onto a garden nobody had tended in years.", seed=11)
    second = Utterance("Somewhere below, a dog began to bark at nothing.", seed=12)
    steer({u.text: plausible_frames(u.text) for u in (first, second)})  # lengths fixed, codes sampled

    run1 = backend.synthesize([first, second])
    run2 = backend.synthesize([first, second])
    for a, b in zip(run1, run2, strict=True):
        np.testing.assert_array_equal(a.samples, b.samples)

    retake = backend.synthesize([Utterance(first.text, seed=99), second])
    assert retake[0].info["seed"] == 99
    assert not np.allclose(retake[0].samples, run1[0].samples, atol=1e-3)
    # The other item keeps its audio: each row samples with its own seed, not a shared RNG.
    assert retake[1].info["frames"] == run1[1].info["frames"]
    np.testing.assert_allclose(retake[1].samples, run1[1].samples, atol=1e-4)

    alone = backend.synthesize([second])[0]
    assert alone.info["frames"] == run1[1].info["frames"] and alone.info["batch_size"] == 1
    np.testing.assert_allclose(alone.samples, run1[1].samples, atol=1e-4)

    no_seed = Utterance(first.text)
    assert backend.identity(no_seed)["seed"] == text_seed(first.text)
    assert backend.identity(no_seed) != backend.identity(first)


def test_runaway_is_detected_and_resynthesized_alone(backend: Qwen3Backend, steer) -> None:
    runaway, slow, fine = TEXTS
    calls = steer(
        {
            runaway: {0: None, "else": plausible_frames(runaway)},  # misses its EOS at first
            slow: {0: 4 * frame_cap(slow, "en", LIMITS) // 5, "else": plausible_frames(slow)},
            fine: plausible_frames(fine),
        }
    )
    audios = backend.synthesize([Utterance(t, seed=i) for i, t in enumerate(TEXTS)])

    assert calls[0] == ([fine, runaway, slow], 0)  # one batch, longest expected first
    assert calls[1:] == [([runaway], 1), ([slow], 1)]  # each runaway again, alone
    by_text = dict(zip(TEXTS, audios, strict=True))
    for text in (runaway, slow):
        info = by_text[text].info
        assert info["attempts"] == 2 and info["batch_size"] == 1 and "runaway" not in info
        assert info["seed"] != TEXTS.index(text)  # a retry samples with a derived seed
        assert info["frames"] == plausible_frames(text)
    assert by_text[fine].info["attempts"] == 1 and by_text[fine].info["batch_size"] == 3


def test_persistent_runaway_is_kept_and_flagged_after_the_retries(backend: Qwen3Backend, steer, monkeypatch) -> None:
    text = "It went on and on."
    calls = steer({text: None})
    monkeypatch.setattr(backend, "retries", 1)
    [audio] = backend.synthesize([Utterance(text)])
    cap = frame_cap(text, "en", LIMITS)
    assert len(calls) == 2
    assert audio.info["runaway"].startswith("no end of speech")
    assert audio.info["frames"] == cap - 1  # stopped at its own cap, not the default 8192 frames
    assert len(audio.samples) == (cap - 1) * SAMPLES_PER_FRAME


def test_a_take_with_codes_outside_the_codebook_is_retaken_never_decoded(backend: Qwen3Backend, steer, monkeypatch) -> None:
    # An out-of-range code reaching the decoder aborts a CUDA process with a device-side assert
    # (seen on an H100 at batch 64); it must be a problem of that take, retaken alone.
    texts = TEXTS[:2]
    steer({t: plausible_frames(t) for t in texts})
    generate = backend._generate
    corrupted: list[str] = []

    def corrupt_first(requests, attempt):
        takes = generate(requests, attempt)
        if attempt == 0:
            takes[0].codes = takes[0].codes.clone()
            takes[0].codes[1, 0] = 4096
            from narration.synthesis.qwen3 import invalid_codes

            takes[0].problem = invalid_codes(takes[0].codes, 64)
            corrupted.append(takes[0].request.text)
        return takes

    monkeypatch.setattr(backend, "_generate", corrupt_first)
    audios = backend.synthesize([Utterance(t, seed=5) for t in texts])
    by_text = dict(zip(texts, audios, strict=True))
    assert by_text[corrupted[0]].info["attempts"] == 2 and "runaway" not in by_text[corrupted[0]].info
    assert all(len(a.samples) > 0 for a in audios)

    def always_corrupt(requests, attempt):
        takes = generate(requests, attempt)
        for take in takes:
            take.codes = take.codes.clone()
            take.codes[0, 0] = -3
            from narration.synthesis.qwen3 import invalid_codes

            take.problem = invalid_codes(take.codes, 64)
        return takes

    monkeypatch.setattr(backend, "_generate", always_corrupt)
    monkeypatch.setattr(backend, "retries", 1)
    with pytest.raises(RuntimeError, match="codes outside 0..63"):
        backend.synthesize([Utterance(texts[0])])


def test_generated_codes_are_checked_against_the_codebook(backend: Qwen3Backend, steer) -> None:
    from narration.synthesis.qwen3 import codebook_size, invalid_codes

    steer({TEXTS[1]: plausible_frames(TEXTS[1])})
    [take] = backend._generate([backend._request(0, Utterance(TEXTS[1]))], 0)
    codebook = codebook_size(backend._model().model.config)
    assert codebook == 64 and take.problem is None
    assert invalid_codes(take.codes, codebook) is None
    assert "max 64" in invalid_codes(torch.tensor([[0, 64]]), codebook)
    assert invalid_codes(torch.zeros((0, 4), dtype=torch.long), codebook) is None


def test_out_of_memory_halves_the_batch(backend: Qwen3Backend, steer, monkeypatch) -> None:
    texts = [*TEXTS, "One more line to read.", "And a last one, then."]
    steer({text: plausible_frames(text) for text in texts})
    sizes: list[int] = []
    generate = backend._generate

    def tight_memory(requests, attempt):
        sizes.append(len(requests))
        if len(requests) > 2:
            raise torch.OutOfMemoryError("CUDA out of memory (simulated)")
        return generate(requests, attempt)

    monkeypatch.setattr(backend, "_generate", tight_memory)
    monkeypatch.setattr(backend, "token_budget", backend.token_budget)
    audios = backend.synthesize([Utterance(t) for t in texts])

    assert sizes == [5, 3, 2, 1, 2]
    assert sorted(a.info["batch_size"] for a in audios) == [1, 2, 2, 2, 2]
    assert all(len(a.samples) == a.info["frames"] * SAMPLES_PER_FRAME > 0 for a in audios)
    assert backend.token_budget < 32768

    def no_memory(requests, attempt):
        raise torch.OutOfMemoryError("CUDA out of memory (simulated)")

    monkeypatch.setattr(backend, "_generate", no_memory)
    with pytest.raises(MemoryError, match="one chunk"):
        backend.synthesize([Utterance(TEXTS[1])])


def test_identity_names_everything_that_changes_the_sound(backend: Qwen3Backend, tiny_model_dir: Path) -> None:
    base = Utterance(TEXTS[0], style="sad", seed=3)
    identity = backend.identity(base)
    assert identity["backend"] == "qwen3"
    assert len(identity["model"]["dir_digest"]) == 20
    assert identity["quantization"] == "fp32"
    assert identity["speaker"] == "ryan" and identity["language"] == "english"
    assert identity["instruction"] == "Speak with quiet sadness."
    assert identity["sampling"]["temperature"] == 0.9 and identity["seed"] == 3
    json.dumps(identity)  # goes into the chunk key
    for changed in (
        Utterance(base.text, style="angry", seed=3),
        Utterance(base.text, style="sad", seed=4),
        Utterance(base.text, style="sad", seed=3, voice="vivian"),
    ):
        assert backend.identity(changed) != identity
    assert Qwen3Backend(model=str(tiny_model_dir), temperature=0.7).identity(base) != identity
    with pytest.raises(ConfigError, match="not in this model"):
        backend.identity(Utterance("x", voice="nobody"))


def test_model_directory_digest_follows_its_content(tiny_model_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(tiny_model_dir, copy)
    same = Qwen3Backend(model=str(copy)).identity(Utterance("x"))["model"]
    assert same == Qwen3Backend(model=str(tiny_model_dir)).identity(Utterance("x"))["model"]
    (copy / "generation_config.json").write_text(json.dumps({"temperature": 0.9, "top_k": 40}), encoding="utf-8")
    assert Qwen3Backend(model=str(copy)).identity(Utterance("x"))["model"] != same


def test_small_model_ignores_instructions(tiny_model_dir: Path, tmp_path: Path, monkeypatch) -> None:
    small = tmp_path / "small"
    shutil.copytree(tiny_model_dir, small)
    config = json.loads((small / "config.json").read_text(encoding="utf-8"))
    config["tts_model_size"] = "0b6"
    (small / "config.json").write_text(json.dumps(config), encoding="utf-8")
    backend = Qwen3Backend(model=str(small))
    assert backend.identity(Utterance("x", style="sad"))["instruction"] == ""


def test_hub_ids_resolve_through_the_cache(tiny_model_dir: Path, tmp_path: Path, monkeypatch) -> None:
    import huggingface_hub

    snapshot = tmp_path / "models--Qwen--Tiny" / "snapshots" / "0123abcd"
    shutil.copytree(tiny_model_dir, snapshot)
    asked: list[dict] = []

    def fake_snapshot_download(**kwargs):
        asked.append(kwargs)
        return str(snapshot)

    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake_snapshot_download)
    backend = Qwen3Backend(model="Qwen/Tiny", revision="v1", local_files_only=True)
    assert asked == [{"repo_id": "Qwen/Tiny", "revision": "v1", "local_files_only": True}]
    assert backend.identity(Utterance("x"))["model"] == {"id": "Qwen/Tiny", "revision": "0123abcd"}

    def offline(**kwargs):
        raise OSError("no network")

    monkeypatch.setattr(huggingface_hub, "snapshot_download", offline)
    with pytest.raises(ConfigError, match="huggingface-cli download Qwen/Other"):
        Qwen3Backend(model="Qwen/Other")
    with pytest.raises(ConfigError, match="no such directory"):
        Qwen3Backend(model=str(tmp_path / "missing" / "dir"))


def test_availability_for_choosing_qwen3_or_piper(tiny_model_dir: Path, tmp_path: Path, monkeypatch) -> None:
    import huggingface_hub

    from narration.synthesis.qwen3_model import unavailable_reason

    if not torch.cuda.is_available():
        assert unavailable_reason(str(tiny_model_dir)) == "no CUDA GPU"
    assert unavailable_reason(str(tiny_model_dir), need_cuda=False) is None
    assert "no model directory" in unavailable_reason(str(tmp_path / "nothing"), need_cuda=False)

    def not_cached(*args, **kwargs):
        raise FileNotFoundError("not cached, no network")

    monkeypatch.setattr(huggingface_hub, "snapshot_download", not_cached)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert "HF_HUB_OFFLINE" in unavailable_reason("Qwen/Anything", need_cuda=False)
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.setattr(huggingface_hub, "model_info", lambda *a, **k: object())
    assert unavailable_reason("Qwen/Anything", need_cuda=False) is None  # downloadable on first use
    monkeypatch.setattr(huggingface_hub, "snapshot_download", lambda **kwargs: str(tiny_model_dir))
    monkeypatch.setattr(huggingface_hub, "model_info", not_cached)
    assert unavailable_reason("Qwen/Anything", need_cuda=False) is None  # cached


def test_bad_options_are_config_errors(tiny_model_dir: Path) -> None:
    with pytest.raises(ConfigError, match="quantization"):
        Qwen3Backend(model=str(tiny_model_dir), quantization="int3")
    with pytest.raises(ConfigError, match="attention"):
        Qwen3Backend(model=str(tiny_model_dir), attention="flash")
    with pytest.raises(ConfigError, match="top_p"):
        Qwen3Backend(model=str(tiny_model_dir), top_p=1.5)
    with pytest.raises(ConfigError, match="unknown emotion tag"):
        Qwen3Backend(model=str(tiny_model_dir), instructions={"gloomy": "Sigh."})
    with pytest.raises(ConfigError, match="voice"):
        Qwen3Backend(model=str(tiny_model_dir), voice="nobody")


def test_settings_object_and_keywords_are_one_validated_form(tiny_model_dir: Path) -> None:
    from narration.synthesis.qwen3 import Qwen3Settings

    settings = Qwen3Settings(model=str(tiny_model_dir), retries=1, max_batch_size=3)
    backend = Qwen3Backend(settings)
    assert backend.settings is settings and backend.retries == 1 and backend.max_batch_size == 3
    overridden = Qwen3Backend(settings, retries=0)
    assert overridden.retries == 0 and overridden.max_batch_size == 3 and settings.retries == 1
    assert Qwen3Backend(model=str(tiny_model_dir), retries=1).settings == settings.model_copy(update={"max_batch_size": None})
    with pytest.raises(ConfigError, match="retries"):
        Qwen3Backend(model=str(tiny_model_dir), retries=-1)
    with pytest.raises(ConfigError, match="temprature"):
        Qwen3Backend(model=str(tiny_model_dir), temprature=0.5)  # a typo is named, not ignored


def test_flash_attention_falls_back_to_sdpa_and_says_so_once(tiny_model_dir: Path, caplog, monkeypatch) -> None:
    from narration.synthesis import qwen3_model

    monkeypatch.setattr(qwen3_model, "_said", set())
    caplog.set_level(logging.INFO, logger="narration.synthesis.qwen3_model")
    # No flash-attn here: transformers raises ImportError at load, and the backend retries with SDPA.
    for _ in range(2):
        backend = Qwen3Backend(model=str(tiny_model_dir), attention="flash_attention_2")
        backend._model()
        assert backend.attention_used == "sdpa"
        backend.close()
    said = [r.getMessage() for r in caplog.records if "attention: sdpa (flash_attention_2 unavailable" in r.getMessage()]
    assert len(said) == 1


def test_auto_attention_prefers_flash_attention_on_cuda(monkeypatch) -> None:
    import importlib.util

    from narration.synthesis import qwen3_model

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: object() if name == "flash_attn" else real_find_spec(name, *a)
    )
    assert qwen3_model.choose_attention("auto", "cuda:0") == "flash_attention_2"
    assert qwen3_model.choose_attention("auto", "cpu") == "sdpa"
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "flash_attn" else real_find_spec(name, *a))
    assert qwen3_model.choose_attention("auto", "cuda:0") == "sdpa"


def test_nf4_quantizes_only_the_talker_on_cpu(tiny_model_dir: Path) -> None:
    import bitsandbytes as bnb

    backend = Qwen3Backend(model=str(tiny_model_dir), quantization="nf4")
    try:
        audios = backend.synthesize([Utterance(t, style="sad") for t in TEXTS[:2]])
        model = backend._tts.model
        assert isinstance(model.talker.model.layers[0].mlp.up_proj, bnb.nn.Linear4bit)
        assert model.talker.model.layers[0].mlp.up_proj.weight.quant_state.quant_type == "nf4"
        # The skip list keeps the code predictor, the codec head and the speech tokenizer unquantized.
        assert type(model.talker.code_predictor.model.layers[0].mlp.up_proj) is torch.nn.Linear
        assert type(model.talker.codec_head) is torch.nn.Linear
        assert not any(isinstance(m, bnb.nn.Linear4bit) for m in model.speech_tokenizer.model.modules())
        assert backend.identity(Utterance("x"))["quantization"] == "nf4"
        for audio in audios:
            assert audio.sample_rate == 24000 and len(audio.samples) == audio.info["frames"] * SAMPLES_PER_FRAME > 0
    finally:
        backend.close()
    assert backend._tts is None


def test_close_unloads_and_the_next_call_reloads(tiny_model_dir: Path) -> None:
    backend = Qwen3Backend(model=str(tiny_model_dir))
    backend.synthesize([Utterance("Hello.")])
    backend.close()
    assert backend._tts is None
    assert len(backend.synthesize([Utterance("Hello again.")])) == 1
    backend.close()


def test_qwen_tts_never_calls_torchaudio_for_custom_voice(backend: Qwen3Backend) -> None:
    from narration.synthesis import torchaudio_shim

    backend.synthesize([Utterance(TEXTS[1])])
    if torchaudio_shim.real_torchaudio_error() is None:
        assert not torchaudio_shim.uses_stand_in()
        return
    assert torchaudio_shim.uses_stand_in()
    assert "torchaudio" not in sys.modules  # the stand-in was only there while qwen_tts imported
    assert torchaudio_shim.stand_in_fbank_calls() == 0
    kaldi = sys.modules["qwen_tts.core.tokenizer_25hz.vq.speech_vq"].kaldi
    with pytest.raises(torchaudio_shim.TorchaudioUnavailable, match="25 Hz"):
        kaldi.fbank(torch.zeros(1, 16000))


@pytest.mark.slow  # over 5 s: the fast set stays under 5 minutes
def test_a_torchaudio_that_cannot_load_gets_the_stand_in(tmp_path: Path) -> None:
    """What the registry's torchaudio does on a CPU-only machine: import, then fail to load its library."""
    package = tmp_path / "site" / "torchaudio"
    (package / "_extension").mkdir(parents=True)
    (package / "_extension" / "__init__.py").write_text("", encoding="utf-8")
    (package / "__init__.py").write_text(
        "from torchaudio import _extension\nraise OSError('Could not load this library: libtorchaudio.so')\n",
        encoding="utf-8",
    )
    code = (
        "import logging, sys; logging.basicConfig(level=logging.INFO); "
        "from narration.synthesis import torchaudio_shim as shim; shim.import_qwen_tts(); "
        "print('RESULT', shim.uses_stand_in(), any(m.split('.')[0] == 'torchaudio' for m in sys.modules))"
    )
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path / "site"), str(root)])}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == "RESULT True False"
    assert "OSError: Could not load this library" in done.stderr  # the log line says why


# ---- planning and sampling, no model -----------------------------------------------------------


def test_plan_sorts_by_length_and_respects_size_and_budget() -> None:
    costs = [BatchCost(20, cap) for cap in (30, 200, 50, 210, 40, 45)]
    plans = plan_batches(costs, max_batch_size=3, token_budget=3 * (20 + 210))
    assert [p.indices for p in plans] == [[3, 1, 2], [5, 4, 0]]
    assert [p.max_new_tokens for p in plans] == [210, 45]
    for plan in plans:
        assert batch_tokens([costs[i] for i in plan.indices]) <= 3 * (20 + 210)

    tight = plan_batches(costs, max_batch_size=64, token_budget=2 * (20 + 50))
    assert [p.indices for p in tight] == [[3], [1], [2, 5], [4, 0]]
    assert sorted(i for p in tight for i in p.indices) == list(range(6))
    assert plan_batches([BatchCost(10, 5000)], 8, 100)[0].indices == [0]  # over budget alone: still runs


def test_caps_and_runaway_bounds_follow_the_text() -> None:
    short, long = "Yes.", "word " * 60
    assert frame_cap(short, "en", LIMITS) < frame_cap(long, "en", LIMITS)
    assert frame_cap("今日は" * 20, "ja", LIMITS) > frame_cap("abc" * 20, "en", LIMITS)
    cap = frame_cap(long, "en", LIMITS)
    assert cap < 8192 and cap * 1.0 / FRAME_RATE > expected_seconds(long, "en", LIMITS) * 2
    good = plausible_frames(long)
    assert runaway_reason(long, "en", good, cap, LIMITS) is None
    assert runaway_reason(long, "en", cap - 1, cap, LIMITS).startswith("no end of speech")
    assert runaway_reason(long, "en", int(good * 2.4), cap, LIMITS).startswith("too slow")
    assert runaway_reason(long, "en", max(1, good // 4), cap, LIMITS).startswith("too fast")
    assert runaway_reason(short, "en", 20, frame_cap(short, "en", LIMITS), LIMITS) is None  # too short to judge


def test_seeded_gumbel_noise_is_per_seed_and_samples_the_softmax() -> None:
    seeds = torch.tensor([1, 2, 1])
    noise = gumbel_noise(seeds, stream=7, vocab=50)
    assert torch.equal(noise[0], noise[2]) and not torch.equal(noise[0], noise[1])
    assert not torch.equal(gumbel_noise(seeds, 8, 50)[0], noise[0])
    # argmax(logits + Gumbel) over many streams draws from softmax(logits)
    logits = torch.tensor([2.0, 1.0, 0.0, -1.0])
    draws = torch.argmax(logits + gumbel_noise(torch.arange(6000), stream=3, vocab=4), dim=-1)
    frequencies = torch.bincount(draws, minlength=4).float() / len(draws)
    assert torch.allclose(frequencies, torch.softmax(logits, 0), atol=0.02)
    assert math.isclose(float(gumbel_noise(torch.arange(4), 0, 20000).mean()), 0.5772, abs_tol=0.03)


def test_gumbel_noise_is_finite_at_the_top_draw_so_a_banned_token_is_never_picked() -> None:
    # (2^24 - 0.5) / 2^24 rounds to 1.0 in float32, whose noise was +inf: -inf + inf = NaN, and
    # argmax picks NaN, so a banned special token became a code (found on an H100 at batch 64).
    top = torch.tensor([-1, (1 << 40) - 1, 0], dtype=torch.int64)  # all 64 bits set; top 24 bits clear
    uniform = uniform_from_bits(top)
    assert bool((uniform < 1).all()) and bool((uniform > 0).all())
    assert bool(torch.isfinite(-torch.log(-torch.log(uniform))).all())
    # every other draw is exactly what it was (stores made before keep reproducing)
    bits = torch.randint(-(1 << 62), 1 << 62, (10000,), dtype=torch.int64)
    old = ((bits >> 40) & ((1 << 24) - 1)).to(torch.float32).add(0.5).div(1 << 24)
    unchanged = old < 1
    assert torch.equal(uniform_from_bits(bits)[unchanged], old[unchanged])
    # banned tokens stay banned after the noise
    scores = torch.full((3, 8), float("-inf"))
    scores[:, 2] = 0.0
    picked = GumbelMax(torch.tensor([1, 2, 3]), lambda n: n)(torch.zeros((3, 5), dtype=torch.long), scores).argmax(-1)
    assert picked.tolist() == [2, 2, 2]


def test_a_machine_without_a_gpu_device_is_told_apart_without_importing_torch() -> None:
    # every `narrate` (a dry-run too) asks whether qwen3 can run; importing torch costs seconds
    import glob

    if glob.glob("/dev/nvidia*") or Path("/dev/kfd").exists():
        pytest.skip("this machine has a GPU device node; the shortcut does not apply")
    probe = ("import sys; from narration.synthesis.qwen3_model import unavailable_reason; "
             "print(unavailable_reason('Qwen/X'), 'torch' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert result.stdout.split("\n")[0] == "no CUDA GPU False", result.stderr
