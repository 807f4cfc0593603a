"""Qwen3-TTS CustomVoice: batched GPU synthesis with per-chunk speaker, language, emotion
instruction and seed.

Runs the official ``qwen-tts`` package (``pip install 'narration[gpu]'``). The model is a hub id
or a local directory (see ``qwen3_model``); on CUDA it loads 4-bit (NF4) by default. A call to
``synthesize`` sorts its utterances by expected length, batches them to a token budget, caps each
batch's frames from its texts, resynthesizes runaways alone with another seed, and halves a batch
that runs out of GPU memory. Each utterance samples with its own seed (``qwen3_sampling``), so a
rerun reproduces it and a retake with another seed differs, whatever else shares its batch.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from narration.audio import Audio
from narration.errors import ConfigError
from narration.language import primary_language
from narration.model import Utterance
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
from narration.synthesis.qwen3_model import (
    DEFAULT_MODEL,
    QUANTIZATIONS,
    ModelInfo,
    ModelSource,
    choose_attention,
    load_model,
    read_model_info,
    resolve_model,
)

if TYPE_CHECKING:
    from narration.synthesis.settings import SynthesisSettings

log = logging.getLogger(__name__)

SAMPLE_RATE = 24000
# ISO 639-1 -> the language names Qwen3-TTS uses; others (or ones a model lacks) run as "auto".
LANGUAGES = {
    "en": "english",
    "zh": "chinese",
    "ja": "japanese",
    "ko": "korean",
    "de": "german",
    "fr": "french",
    "ru": "russian",
    "pt": "portuguese",
    "es": "spanish",
    "it": "italian",
}
# Each CustomVoice speaker is trained on one language; these read that language natively.
DEFAULT_SPEAKERS = {"en": "ryan", "zh": "vivian", "ja": "ono_anna", "ko": "sohee"}
FALLBACK_SPEAKER = "ryan"
# qwen_tts's own defaults, used where the model ships no generation_config.json value.
SAMPLING_DEFAULTS = {
    "temperature": 0.9,
    "top_k": 50,
    "top_p": 1.0,
    "repetition_penalty": 1.05,
    "subtalker_temperature": 0.9,
    "subtalker_top_k": 50,
    "subtalker_top_p": 1.0,
}


@dataclass(frozen=True)
class Request:
    """One utterance, resolved to what the model is given."""

    index: int
    text: str
    language: str  # as the chunk says (ISO code)
    qwen_language: str
    speaker: str
    instruction: str
    seed: int
    cap: int  # max frames this text may take


@dataclass
class Take:
    """One generation of one request."""

    request: Request
    codes: Any  # LongTensor (frames, code groups)
    seed: int
    attempt: int
    batch_size: int
    problem: str | None = None

    @property
    def frames(self) -> int:
        return int(self.codes.shape[0])


def text_seed(text: str) -> int:
    """The seed of a chunk that has none: from its text, so a rerun reproduces it."""
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big") & ((1 << 63) - 1)


def attempt_seed(seed: int, attempt: int) -> int:
    """Attempt 0 uses the chunk's seed; a runaway's retries use seeds derived from it."""
    if attempt == 0:
        return seed
    from narration.synthesis.qwen3_sampling import mix_seed

    return mix_seed(seed, attempt)


class Qwen3Settings(BaseModel):
    """What the ``qwen3`` backend can be told. None: the model's shipped value or the default."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    model: str | None = Field(None, description="hub id or local folder; None: " + DEFAULT_MODEL)
    voice: str | None = Field(None, description="speaker; None: the language's native speaker")
    quantization: str | None = Field(None, description="nf4, int8, bf16, fp32; None: nf4 on CUDA, fp32 on CPU")
    device: str | None = Field(None, description="torch device; None: cuda:0 when there is one, else cpu")
    attention: str = Field("auto", description="auto, flash_attention_2, sdpa or eager")
    revision: str | None = Field(None, description="hub revision (branch, tag or commit)")
    local_files_only: bool = Field(False, description="never reach the hub; the model must be cached")
    temperature: float | None = None
    top_k: int | None = Field(None, ge=0)
    top_p: float | None = None
    repetition_penalty: float | None = Field(None, gt=0)
    subtalker_temperature: float | None = None
    subtalker_top_k: int | None = Field(None, ge=0)
    subtalker_top_p: float | None = None
    styles: str | None = Field(None, description="TOML file of emotion tag -> instruction under [qwen3]")
    instructions: dict[str, str] | None = Field(None, description="emotion tag -> instruction, over the styles")
    max_batch_size: int | None = Field(None, ge=1, description="None: 64 on CUDA, 8 on CPU")
    token_budget: int | None = Field(None, ge=1, description="tokens a batch may hold; None: from free GPU memory")
    retries: int = Field(2, ge=0, description="new takes of a runaway, alone, with derived seeds")
    speed: float = Field(1.0, gt=0, description="ignored with a warning: Qwen3-TTS has no rate control")
    limits: LengthLimits | None = Field(None, description="expected speaking rates and runaway bounds")

    @classmethod
    def build(cls, settings: Qwen3Settings | None, fields: dict[str, Any]) -> Qwen3Settings:
        """``settings`` with ``fields`` over it, validated; a bad value is a ConfigError naming it."""
        if settings is not None and not fields:
            return settings
        # the fields as they are (model_dump would turn ``limits`` into a dict)
        values = {**({name: getattr(settings, name) for name in cls.model_fields} if settings else {}), **fields}
        try:
            return cls(**values)
        except ValidationError as exc:
            raise ConfigError("qwen3: " + "; ".join(
                f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()
            )) from None


class Qwen3Backend:
    """The ``qwen3`` backend: Qwen3-TTS-12Hz CustomVoice (1.7B follows instructions, 0.6B does not)."""

    name = "qwen3"
    # Sentence-sized units: quality degrades on long inputs, and a batch costs its longest item.
    max_chars = 300
    languages = frozenset(LANGUAGES)  # any other would run as "auto": not a language it was taught

    @classmethod
    def settings_for(cls, synthesis: SynthesisSettings, *, sentence_pause: float, styles: str | None) -> dict[str, Any]:
        s = synthesis
        return {"model": s.model, "voice": s.voice, "quantization": s.quantization, "speed": s.speed, "styles": styles}

    def __init__(self, settings: Qwen3Settings | None = None, /, **fields: Any) -> None:
        """``Qwen3Backend(Qwen3Settings(...))`` or ``Qwen3Backend(model=..., ...)`` (the same fields;
        given with a settings object, they override its values)."""
        settings = Qwen3Settings.build(settings, fields)
        self.settings = settings
        model, voice, quantization, device = settings.model, settings.voice, settings.quantization, settings.device
        attention, retries, speed = settings.attention, settings.retries, settings.speed
        max_batch_size, token_budget, limits = settings.max_batch_size, settings.token_budget, settings.limits
        import torch

        self.model_name = model or DEFAULT_MODEL
        self.device = device or ("cuda:0" if torch.cuda.is_available() else "cpu")
        self.on_cuda = self.device.startswith("cuda")
        if self.on_cuda and not torch.cuda.is_available():
            raise ConfigError(f"device {self.device}: CUDA is not available on this machine")
        # NF4 is the GPU default (bitsandbytes); CPUs run float32 (bf16 matmuls are slow there).
        self.quantization = quantization or ("nf4" if self.on_cuda else "fp32")
        if self.quantization not in QUANTIZATIONS:
            raise ConfigError(f"unknown quantization {self.quantization!r}; use one of {', '.join(QUANTIZATIONS)}")
        choose_attention(attention, self.device)  # validates the name before any download or load
        self.attention = attention
        self.source: ModelSource = resolve_model(self.model_name, settings.revision, settings.local_files_only)
        self.info: ModelInfo = read_model_info(self.source.path)
        self.default_voice = voice.lower() if voice else None
        if self.default_voice:
            self._check_speaker(self.default_voice)
        self.sampling = self._sampling_settings(**{key: getattr(settings, key) for key in SAMPLING_DEFAULTS})
        self.instructions = self._instruction_table(settings.styles, settings.instructions)
        self.retries = retries
        self.max_batch_size = max_batch_size or (64 if self.on_cuda else 8)
        self._requested_budget = token_budget
        self.token_budget = token_budget or 32768
        self.limits = limits or LengthLimits()
        if speed != 1.0:
            log.warning("qwen3 has no speaking-rate control; speed=%s is ignored", speed)
        self.attention_used: str | None = None
        self._tts: Any = None
        self._lock = threading.RLock()  # one generation at a time: the GPU and the patched model

    # ---- configuration -------------------------------------------------------------------------

    def _sampling_settings(self, **given: float | int | None) -> dict[str, float]:
        shipped = self.info.generation
        settings: dict[str, float] = {}
        for key, default in SAMPLING_DEFAULTS.items():
            value = given.get(key)
            settings[key] = value if value is not None else shipped.get(key, default)
        if not 0 < settings["top_p"] <= 1 or not 0 < settings["subtalker_top_p"] <= 1:
            raise ConfigError("top_p must be in (0, 1]")
        if settings["temperature"] <= 0 or settings["subtalker_temperature"] <= 0:
            raise ConfigError("temperature must be positive")
        return settings

    def _instruction_table(self, styles: str | None, overrides: dict[str, str] | None) -> dict[str, str]:
        """Emotion tag -> instruction, from the emotion styles table (and ``overrides``)."""
        from narration.emotion.styles import instruction, load_styles
        from narration.emotion.tags import TAGS

        table = load_styles(styles)
        resolved = {tag: instruction(self.name, tag, table) for tag in TAGS}
        for tag, text in (overrides or {}).items():
            if tag not in TAGS:
                raise ConfigError(f"instructions: unknown emotion tag {tag!r}; use one of {', '.join(TAGS)}")
            resolved[tag] = str(text)
        if not self.info.follows_instructions and any(resolved.values()):
            log.info("Qwen3-TTS %s ignores instructions: emotion tags will not change its delivery", self.info.model_size)
        return resolved

    def _check_speaker(self, speaker: str) -> str:
        if self.info.speakers and speaker not in self.info.speakers:
            raise ConfigError(
                f"Qwen3-TTS voice {speaker!r} is not in this model; use one of {', '.join(self.info.speakers)}"
            )
        return speaker

    def speaker_for(self, utterance: Utterance) -> str:
        if utterance.voice:
            return self._check_speaker(utterance.voice.lower())
        if self.default_voice:
            return self.default_voice
        preferred = DEFAULT_SPEAKERS.get(_primary(utterance.language), FALLBACK_SPEAKER)
        if not self.info.speakers or preferred in self.info.speakers:
            return preferred
        return self.info.speakers[0]

    def language_for(self, utterance: Utterance) -> str:
        language = utterance.language.lower()
        name = LANGUAGES.get(_primary(language), language)
        return name if name in self.info.languages else "auto"

    def instruction_for(self, utterance: Utterance) -> str:
        if not self.info.follows_instructions:
            return ""
        return self.instructions.get(utterance.style, self.instructions.get("neutral", ""))

    def seed_for(self, utterance: Utterance) -> int:
        return utterance.seed if utterance.seed is not None else text_seed(utterance.text)

    def identity(self, utterance: Utterance) -> dict[str, Any]:
        return {
            "backend": self.name,
            "model": self.source.identity,
            "quantization": self.quantization,
            "speaker": self.speaker_for(utterance),
            "language": self.language_for(utterance),
            "instruction": self.instruction_for(utterance),
            "sampling": dict(self.sampling),
            "seed": self.seed_for(utterance),
        }

    def _request(self, index: int, utterance: Utterance) -> Request:
        return Request(
            index=index,
            text=utterance.text,
            language=utterance.language,
            qwen_language=self.language_for(utterance),
            speaker=self.speaker_for(utterance),
            instruction=self.instruction_for(utterance),
            seed=self.seed_for(utterance),
            cap=frame_cap(utterance.text, utterance.language, self.limits),
        )

    # ---- model lifetime ------------------------------------------------------------------------

    def _model(self) -> Any:
        with self._lock:
            if self._tts is None:
                started = time.monotonic()
                self._tts, self.attention_used = load_model(self.source, self.device, self.quantization, self.attention)
                self.token_budget = self._requested_budget or self._memory_budget()
                log.info(
                    "Qwen3-TTS loaded from %s on %s (%s, %s) in %.1f s; token budget %d",
                    self.source.path, self.device, self.quantization, self.attention_used,
                    time.monotonic() - started, self.token_budget,
                )
            return self._tts

    def _memory_budget(self) -> int:
        """Tokens (items x (prompt + frames)) a batch may hold in half of the free GPU memory."""
        if not self.on_cuda:
            return 32768
        import torch

        free, _total = torch.cuda.mem_get_info(torch.device(self.device))
        info = self.info
        dtype_bytes = 4 if self.quantization == "fp32" else 2
        # KV cache, plus the per-layer hidden states qwen_tts asks generate() to keep.
        per_token = dtype_bytes * (info.layers * 2 * info.kv_heads * info.head_dim + (info.layers + 1) * info.hidden_size)
        return max(1024, int(free * 0.5 / per_token))

    def close(self) -> None:
        """Unload the model and give its GPU memory back (between books); the next call reloads."""
        with self._lock:
            if self._tts is None:
                return
            self._tts = None
            gc.collect()
            if self.on_cuda:
                import torch

                torch.cuda.empty_cache()
            log.info("Qwen3-TTS unloaded from %s", self.device)

    # ---- synthesis -----------------------------------------------------------------------------

    def synthesize(self, batch: Sequence[Utterance]) -> list[Audio]:
        if not batch:
            return []
        requests = [self._request(i, u) for i, u in enumerate(batch)]
        with self._lock:
            tts = self._model()
            costs = [BatchCost(self._prompt_tokens(tts, r), r.cap) for r in requests]
            audios: dict[int, Audio] = {}
            for planned in plan_batches(costs, self.max_batch_size, self.token_budget):
                takes = self._synthesize_batch([requests[i] for i in planned.indices])
                for take, audio in zip(takes, self._decode(takes), strict=True):
                    audios[take.request.index] = audio
        return [audios[i] for i in range(len(requests))]

    def _synthesize_batch(self, requests: list[Request]) -> list[Take]:
        """Generate a planned batch; resynthesize its runaways alone with derived seeds."""
        started = time.monotonic()
        takes = self._halving(requests, lambda part: self._generate(part, attempt=0))
        final: list[Take] = []
        for take in takes:
            final.append(take if take.problem is None else self._retry_alone(take))
        frames = sum(t.frames for t in final)
        log.debug(
            "qwen3: %d items, %.1f s of audio in %.1f s",
            len(requests), frames / FRAME_RATE, time.monotonic() - started,
        )
        return final

    def _retry_alone(self, first: Take) -> Take:
        request = first.request
        log.warning("chunk %r...: %s; resynthesizing it alone", request.text[:40], first.problem)
        tried = [first]
        for attempt in range(1, self.retries + 1):
            take = self._halving([request], lambda part, a=attempt: self._generate(part, attempt=a))[0]
            if take.problem is None:
                return take
            tried.append(take)
        decodable = [t for t in tried if not t.problem.startswith("codes outside")]
        if not decodable:
            raise RuntimeError(f"chunk {request.text[:40]!r}...: {first.problem} in all {len(tried)} attempts")
        best = min(decodable, key=lambda t: self._distance_from_expected(t))
        log.warning("chunk %r...: still %s after %d attempts; keeping the closest", request.text[:40], best.problem, len(tried))
        return best

    def _distance_from_expected(self, take: Take) -> float:
        expected = max(expected_seconds(take.request.text, take.request.language, self.limits), 1e-3)
        return abs(math.log(max(take.frames, 1) / FRAME_RATE / expected))

    def _halving(self, requests: list[Request], run: Callable[[list[Request]], list[Take]]) -> list[Take]:
        """``run(requests)``; on GPU out-of-memory, run each half (recursively) and shrink the budget."""
        import torch

        try:
            return run(requests)
        except torch.OutOfMemoryError as exc:
            self._empty_cache()
            if len(requests) == 1:
                raise MemoryError(
                    f"out of GPU memory synthesizing one chunk of {len(requests[0].text)} characters"
                ) from exc
            half = (len(requests) + 1) // 2
            spent = batch_tokens([BatchCost(0, r.cap) for r in requests])
            self.token_budget = max(1024, min(self.token_budget, spent // 2))
            log.warning(
                "out of GPU memory with a batch of %d; retrying as %d + %d (token budget now %d)",
                len(requests), half, len(requests) - half, self.token_budget,
            )
            return self._halving(requests[:half], run) + self._halving(requests[half:], run)

    def _empty_cache(self) -> None:
        gc.collect()
        if self.on_cuda:
            import torch

            torch.cuda.empty_cache()

    @staticmethod
    def _prompt_tokens(tts: Any, request: Request) -> int:
        text_ids = tts._tokenize_texts([tts._build_assistant_text(request.text)])[0]
        tokens = int(text_ids.shape[-1]) + 8  # codec prefix: think/language/speaker/pad/bos
        if request.instruction:
            tokens += int(tts._tokenize_texts([tts._build_instruct_text(request.instruction)])[0].shape[-1])
        return tokens

    def _extra_talker_processors(self, requests: Sequence[Request], attempt: int) -> list[Any]:
        """More talker logits processors for one generate call (none; tests steer EOS with this)."""
        return []

    def _generate(self, requests: list[Request], attempt: int) -> list[Take]:
        """One ``generate`` call for ``requests``: codes per item, checked for runaways."""
        import torch

        from narration.synthesis.qwen3_sampling import SamplingSettings, StopAtCap, seeded_sampling

        tts = self._model()
        model = tts.model
        # qwen_tts's own prompt builders: the same prompts generate_custom_voice() would make.
        input_ids = tts._tokenize_texts([tts._build_assistant_text(r.text) for r in requests])
        instruct_ids = [
            tts._tokenize_texts([tts._build_instruct_text(r.instruction)])[0] if r.instruction else None
            for r in requests
        ]
        seeds = [attempt_seed(r.seed, attempt) for r in requests]
        s = self.sampling
        talker = SamplingSettings(s["temperature"], int(s["top_k"]), s["top_p"])
        predictor = SamplingSettings(s["subtalker_temperature"], int(s["subtalker_top_k"]), s["subtalker_top_p"])
        eos = model.config.talker_config.codec_eos_token_id
        # StopAtCap last, so nothing after it can undo a forced end of speech.
        extra = [*self._extra_talker_processors(requests, attempt), StopAtCap([r.cap for r in requests], eos)]
        with torch.inference_mode(), seeded_sampling(model, seeds, talker, predictor, extra):
            codes, _hidden = model.generate(
                input_ids=input_ids,
                instruct_ids=instruct_ids,
                languages=[r.qwen_language for r in requests],
                speakers=[r.speaker for r in requests],
                non_streaming_mode=True,
                max_new_tokens=max(r.cap for r in requests),
                repetition_penalty=s["repetition_penalty"],
            )
        codebook = codebook_size(model.config)
        takes = []
        for request, item_codes, seed in zip(requests, codes, seeds, strict=True):
            take = Take(request, item_codes.detach(), seed, attempt, len(requests))
            take.problem = invalid_codes(take.codes, codebook) or runaway_reason(
                request.text, request.language, take.frames, request.cap, self.limits
            )
            takes.append(take)
        return takes

    def _decode(self, takes: list[Take]) -> list[Audio]:
        """Codes -> waveforms, one batched decode (halved on out-of-memory)."""
        decoded: dict[int, np.ndarray] = {}

        def run(part: list[Request]) -> list[Take]:
            chosen = [by_index[r.index] for r in part]
            wavs, rate = self._tts.model.speech_tokenizer.decode([{"audio_codes": t.codes} for t in chosen])
            if rate != SAMPLE_RATE:
                raise RuntimeError(f"Qwen3-TTS decoded at {rate} Hz, expected {SAMPLE_RATE}")
            for take, wav in zip(chosen, wavs, strict=True):
                decoded[take.request.index] = np.asarray(wav, dtype=np.float32).reshape(-1)
            return chosen

        by_index = {t.request.index: t for t in takes}
        non_empty = [t.request for t in takes if t.frames > 0]
        if non_empty:
            import torch

            with torch.inference_mode():
                self._halving(non_empty, run)
        return [self._audio(t, decoded.get(t.request.index, np.zeros(0, dtype=np.float32))) for t in takes]

    @staticmethod
    def _audio(take: Take, samples: np.ndarray) -> Audio:
        request = take.request
        info: dict[str, Any] = {
            "frames": take.frames,
            "seed": take.seed,
            "attempts": take.attempt + 1,
            "batch_size": take.batch_size,
            "speaker": request.speaker,
            "language": request.qwen_language,
            "instruction": request.instruction,
        }
        if take.problem:
            info["runaway"] = take.problem
        return Audio(samples=samples, sample_rate=SAMPLE_RATE, info=info)


def codebook_size(config: Any) -> int:
    """Codes per code group of the speech tokenizer (2048 in the published models)."""
    return int(config.talker_config.code_predictor_config.vocab_size)


def invalid_codes(codes: Any, codebook: int) -> str | None:
    """Why these codes cannot be decoded, or None. An out-of-range code would abort the process
    with a device-side assert in the decoder (CUDA), taking every take of the batch with it; as a
    problem it is retaken alone with a derived seed instead."""
    if codes.numel() == 0:
        return None
    low, high = int(codes.min()), int(codes.max())
    if low < 0 or high >= codebook:
        return f"codes outside 0..{codebook - 1} (min {low}, max {high})"
    return None


def _primary(language: str) -> str:
    return primary_language(language)


__all__ = ["Qwen3Backend", "Request", "Take", "attempt_seed", "text_seed"]
