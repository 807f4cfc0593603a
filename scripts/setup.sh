#!/usr/bin/env bash
# Install everything narration needs on a fresh Debian/Ubuntu machine into ./.venv:
# ffmpeg (apt), torch (CPU wheel where the machine provides one; see README), the project.
#   scripts/setup.sh          the app
#   scripts/setup.sh --test   the app and the test tools
set -euo pipefail
cd "$(dirname "$0")/.."

extras="[ja]"
[ "${1:-}" = "--test" ] && extras="[test,qwen3-cpu,ja]"

need_apt=()
command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || need_apt+=(ffmpeg)
# the QA report test renders the report in headless Chromium
[ "${1:-}" = "--test" ] && { command -v chromium >/dev/null || need_apt+=(chromium); }
if [ ${#need_apt[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

python=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python" -m venv .venv
pip=(.venv/bin/python -m pip install -q --disable-pip-version-check)
# torch first, pinned: a later unpinned requirement would otherwise pull the multi-GB CUDA build.
.venv/bin/python -c "import torch" 2>/dev/null || "${pip[@]}" "torch==2.13.0"
"${pip[@]}" -e ".${extras}"
# qwen-tts without its declared deps (gradio, a torchaudio that has no CPU build for this torch):
# the qwen3 backend's CPU tests need only its model code (see narration/synthesis/torchaudio_shim.py).
[ "${1:-}" = "--test" ] && "${pip[@]}" --no-deps "qwen-tts==0.1.1"
echo "narration installed in .venv (run .venv/bin/narrate --help)"
