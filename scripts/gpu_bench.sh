#!/usr/bin/env bash
# The Qwen3-TTS GPU measurements in one go, on a machine that reaches no package index:
# wheels for what its image lacks travel in .whl/ (see bench/README or the README's GPU section).
#   scripts/gpu_bench.sh OUT_DIR [BENCH_SECONDS] [PIPELINE_SECONDS]
# Writes OUT_DIR/qwen3_gpu.md (bench/qwen3_gpu.py) and OUT_DIR/qwen3_pipeline.md
# (bench/qwen3_pipeline_gpu.py), each rewritten as it goes, so a run cut short keeps its rows.
set -u
out=${1:?OUT_DIR}; bench_s=${2:-380}; pipeline_s=${3:-140}
mkdir -p "$out"
if [ -d .whl ]; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
    export PYTHONPATH=/tmp/site
fi
export PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
echo "ffmpeg: $(command -v ffmpeg || echo none)"
python3 -c 'import torch, transformers, bitsandbytes, qwen_tts; print("torch", torch.__version__, "transformers", transformers.__version__, "bnb", bitsandbytes.__version__)' || exit 1
work=/tmp/qwen3-work
timeout "$bench_s" python3 bench/qwen3_gpu.py --size 1.7b --frames 100 --batch-sizes 1,8,16,32,64 \
    --quantizations bf16,nf4 --attentions sdpa,flash_attention_2 --workdir "$work" --out "$out/qwen3_gpu.md" 2>&1 \
    | grep -v -E 'SoX|sox|^\*+$|flash-attn is not installed|proceed here|path variables|^ *$'
echo "bench exit: ${PIPESTATUS[0]}"
timeout "$pipeline_s" python3 bench/qwen3_pipeline_gpu.py --model "$work/random-1.7b-custom-voice" \
    --quantization nf4 --out "$out/qwen3_pipeline.md" 2>&1 | grep -v -E 'SoX|sox|^\*+$|flash-attn is not installed|proceed here|path variables|^ *$' | tail -40
echo "pipeline exit: ${PIPESTATUS[0]}"
