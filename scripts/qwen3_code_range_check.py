"""Which generated codes fall outside the codebook at batch 64 (a GPU diagnostic, 2026-11-26).

    python3 scripts/qwen3_code_range_check.py      (on a CUDA machine, wheels as scripts/gpu_bench.sh)

Builds the random 1.7B checkpoint, generates batches of 64 and 40 items of 100 frames with the
backend's seeded sampler and prints, per batch, the rows whose codes leave 0..2047 and where.
It found the sampler's +inf Gumbel noise (bench/results/qwen3_gpu-nvidia-h100-80gb-hbm3.md).
"""
import sys

import torch

sys.path.insert(0, "bench"); sys.path.insert(0, "tests"); sys.path.insert(0, ".")
from pathlib import Path

import qwen3_gpu as qb
from qwen3_tiny import REAL_1_7B, build_random_custom_voice

from narration.model import Utterance
from narration.synthesis.qwen3 import Qwen3Backend

d = Path("/tmp/w/m"); build_random_custom_voice(d, spec=REAL_1_7B, model_size="1b7", device="cuda")
b = Qwen3Backend(model=str(d), device="cuda:0", quantization="bf16", attention="sdpa", max_batch_size=64, token_budget=1 << 30, retries=0)
tts = b._model(); eos = tts.model.config.talker_config.codec_eos_token_id
print("eos", eos, "talker vocab", tts.model.config.talker_config.vocab_size)
b._extra_talker_processors = lambda r, a: [qb.fixed_length_processor(100, eos)]
for n in (64, 40):
    reqs = [b._request(i, Utterance(qb.text_for(100, i), seed=1000 + i)) for i in range(n)]
    takes = b._generate(reqs, 0); torch.cuda.synchronize()
    bad = []
    for t in takes:
        c = t.codes
        if c.numel() and (int(c.max()) >= 2048 or int(c.min()) < 0):
            pos = (c >= 2048).nonzero()[:3].tolist()
            bad.append((t.request.index, t.frames, int(c.min()), int(c.max()), pos))
    print(n, "frames", sorted({t.frames for t in takes}), "bad rows", len(bad), bad[:5], flush=True)
