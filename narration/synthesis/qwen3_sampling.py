"""Per-item seeded sampling for Qwen3-TTS batches.

HF ``generate`` samples a whole batch from one global RNG, so an item's audio would depend on
which items share its batch, and a retake of one chunk could not be told apart from a rerun.
Here each row samples with its own seed instead: Gumbel-max sampling (argmax of the filtered
logits plus Gumbel noise is an exact sample from their softmax) with noise drawn from a
counter-based hash of (row seed, frame, code group, token id). Same seed -> same draws,
whatever the batch; another seed -> other draws. The hash is plain int64 tensor arithmetic, so
it runs on the GPU as a handful of elementwise kernels per step.

Both samplers are covered: the talker's (first code group of each frame) and the code
predictor's (the other groups, sampled inside the talker's forward through a nested
``generate``). qwen_tts does not forward ``logits_processor`` to either, so ``seeded_sampling``
wraps the two ``generate`` methods on the model instance for the duration of one call.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from transformers import LogitsProcessor, LogitsProcessorList, TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper

_MIX1 = 0xBF58476D1CE4E5B9 - (1 << 64)  # splitmix64 constants as signed int64
_MIX2 = 0x94D049BB133111EB - (1 << 64)
_GOLDEN = 0x9E3779B97F4A7C15 - (1 << 64)
_GROUP_STRIDE = 1 << 8  # code groups per frame stay far below 256


def _int64(value: int) -> int:
    """A Python int wrapped to the signed 64-bit range, as int64 tensor arithmetic wraps."""
    return ((value + (1 << 63)) % (1 << 64)) - (1 << 63)


def _shift_right(x: torch.Tensor, bits: int) -> torch.Tensor:
    """Logical right shift of int64 (torch's >> is arithmetic: mask off the sign extension)."""
    return (x >> bits) & ((1 << (64 - bits)) - 1)


def mix64(x: torch.Tensor) -> torch.Tensor:
    """The splitmix64 finaliser: a bijective scramble of int64 values (wrapping arithmetic)."""
    x = x ^ _shift_right(x, 30)
    x = x * _MIX1
    x = x ^ _shift_right(x, 27)
    x = x * _MIX2
    return x ^ _shift_right(x, 31)


def mix_seed(seed: int, salt: int) -> int:
    """A new 63-bit seed from ``seed`` and ``salt`` (retries, derived streams)."""
    mixed = mix64(torch.tensor([_int64(seed ^ (salt * _GOLDEN))], dtype=torch.int64))
    return int(mixed.item()) & ((1 << 63) - 1)


# The largest float32 below 1. The top 24-bit draw, (2^24 - 0.5) / 2^24, rounds to 1.0 in float32,
# whose noise is +inf: added to a banned token's -inf it made NaN, which argmax picks, so a talker
# sampled a special token as a code (1 draw in 2^24 per token: about once per batch of 64 x 100
# frames on an H100, where it aborted the process with a device-side assert in the decoder).
_BELOW_ONE = 1.0 - 2.0**-24


def uniform_from_bits(bits: torch.Tensor) -> torch.Tensor:
    """Uniform floats in the open interval (0, 1) from the top 24 of 64 random bits."""
    uniform = (_shift_right(bits, 40).to(torch.float32) + 0.5) / float(1 << 24)
    return uniform.clamp_(max=_BELOW_ONE)


def gumbel_noise(seeds: torch.Tensor, stream: int, vocab: int) -> torch.Tensor:
    """Gumbel(0, 1) noise of shape (rows, vocab), a pure function of (seed, stream, token id); finite."""
    device = seeds.device
    row_key = mix64(seeds.view(-1, 1) ^ _int64(stream * _GOLDEN))
    token = torch.arange(vocab, device=device, dtype=torch.int64).view(1, -1)
    bits = mix64(row_key + token * _GOLDEN)
    return -torch.log(-torch.log(uniform_from_bits(bits)))


class GumbelMax(LogitsProcessor):
    """Adds per-row Gumbel noise so that greedy argmax draws a seeded sample.

    ``stream`` maps the generated length so far to a stream id, so each (frame, group) gets its
    own draws.
    """

    def __init__(self, seeds: torch.Tensor, stream: Any) -> None:
        self.seeds = seeds
        self.stream = stream

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        noise = gumbel_noise(self.seeds.to(scores.device), self.stream(input_ids.shape[-1]), scores.shape[-1])
        return scores.float() + noise


@dataclass(frozen=True)
class SamplingSettings:
    temperature: float
    top_k: int
    top_p: float

    def warpers(self) -> list[LogitsProcessor]:
        """What HF applies when ``do_sample=True``, in HF's order."""
        warpers: list[LogitsProcessor] = []
        if self.temperature != 1.0:
            warpers.append(TemperatureLogitsWarper(self.temperature))
        if self.top_k and self.top_k > 0:
            warpers.append(TopKLogitsWarper(self.top_k, min_tokens_to_keep=1))
        if self.top_p < 1.0:
            warpers.append(TopPLogitsWarper(self.top_p, min_tokens_to_keep=1))
        return warpers


_GREEDY = {"do_sample": False, "temperature": None, "top_k": None, "top_p": None}


@contextlib.contextmanager
def seeded_sampling(
    model: Any,
    seeds: Sequence[int],
    talker: SamplingSettings,
    code_predictor: SamplingSettings,
    extra_talker_processors: Sequence[LogitsProcessor] = (),
) -> Iterator[None]:
    """Within the block, ``model.generate`` (a ``Qwen3TTSForConditionalGeneration``) samples row i
    with ``seeds[i]``. ``extra_talker_processors`` run before the warpers (tests use it to steer EOS).
    """
    talker_module = model.talker
    predictor_module = talker_module.code_predictor
    device = next(talker_module.parameters()).device
    seed_tensor = torch.tensor([s & ((1 << 63) - 1) for s in seeds], dtype=torch.int64, device=device)
    frame = {"index": 0}
    talker_generate, predictor_generate = talker_module.generate, predictor_module.generate
    # Said explicitly, or HF warns on every call that it picked EOS as the padding id.
    eos = model.config.talker_config.codec_eos_token_id

    def talker_stream(generated: int) -> int:
        return generated * _GROUP_STRIDE

    def predictor_stream(generated: int) -> int:
        # The talker's step t samples group 0 of frame t; the predictor call made during step t
        # samples groups 1.. of frame t - 1 (counted by ``frame``).
        return frame["index"] * _GROUP_STRIDE + 1 + generated

    def seeded_talker_generate(*args: Any, **kwargs: Any) -> Any:
        processors = [*extra_talker_processors, *talker.warpers(), GumbelMax(seed_tensor, talker_stream)]
        kwargs.update(_GREEDY, logits_processor=LogitsProcessorList(processors), pad_token_id=eos)
        return talker_generate(*args, **kwargs)

    def seeded_predictor_generate(*args: Any, **kwargs: Any) -> Any:
        processors = [*code_predictor.warpers(), GumbelMax(seed_tensor, predictor_stream)]
        kwargs.update(_GREEDY, logits_processor=LogitsProcessorList(processors))
        try:
            return predictor_generate(*args, **kwargs)
        finally:
            frame["index"] += 1

    # Instance attributes shadow the class methods for this block only.
    talker_module.generate = seeded_talker_generate
    predictor_module.generate = seeded_predictor_generate
    try:
        yield
    finally:
        del talker_module.generate
        del predictor_module.generate


class StopAtCap(LogitsProcessor):
    """Forces end-of-speech on row i once it has generated ``caps[i] - 1`` frames.

    A batch runs to its largest cap; without this a short item that misses its EOS would keep
    generating (and keep the batch running) up to the longest item's cap. Forced rows come back
    exactly at their cap, which is how runaways are recognised.
    """

    def __init__(self, caps: Sequence[int], eos_token_id: int) -> None:
        self.caps = list(caps)
        self.eos_token_id = eos_token_id

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        generated = input_ids.shape[-1]
        rows = [i for i, cap in enumerate(self.caps) if generated >= cap - 1]
        if rows:
            scores = scores.clone()
            scores[rows] = float("-inf")
            scores[rows, self.eos_token_id] = 0.0
        return scores
