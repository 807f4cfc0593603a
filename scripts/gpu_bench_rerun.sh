#!/usr/bin/env bash
# The second device call of 2026-11-26 (bench/results/qwen3_gpu-nvidia-h100-80gb-hbm3.md): the nf4
# rows in their own process, then bf16 batch 64 with CUDA_LAUNCH_BLOCKING=1 to place the
# device-side assert (a CUDA assert poisons the process, so each configuration runs apart).
#   scripts/gpu_bench_rerun.sh OUT_DIR      (wheels in .whl/ as for scripts/gpu_bench.sh)
set -u; out=${1:?OUT_DIR}
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH=/tmp/site PYTHONUNBUFFERED=1
F='SoX|sox|^\*+$|flash-attn is not installed|proceed here|path variables|^ *$|ScatterGatherKernel'
timeout 300 python3 bench/qwen3_gpu.py --size 1.7b --frames 100 --batch-sizes 1,8,16,32,64 --quantizations nf4 --attentions sdpa --workdir /tmp/w --out $out/nf4.md 2>&1 | grep -v -E "$F"
CUDA_LAUNCH_BLOCKING=1 timeout 150 python3 bench/qwen3_gpu.py --size 1.7b --frames 100 --batch-sizes 64,48 --quantizations bf16 --attentions sdpa --workdir /tmp/w --out $out/bf16_64.md 2>&1 | grep -v -E "$F" | tail -60
