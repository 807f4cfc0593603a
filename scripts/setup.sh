#!/usr/bin/env bash
# Install everything narration needs on a fresh Debian/Ubuntu machine into ./.venv:
# ffmpeg (apt), torch (CPU wheel where the machine provides one; see README), the project, and
# Kokoro's English voices (npm registry, sha256-checked, into ~/.cache/narration/kokoro-voices).
#   scripts/setup.sh                the app
#   scripts/setup.sh --test         the app and the test tools
#   scripts/setup.sh --voices DIR   take the Kokoro voices (NAME.bin or NAME.pt) from DIR, not npm
set -euo pipefail
cd "$(dirname "$0")/.."

test=""
voices=""
while [ $# -gt 0 ]; do
  case "$1" in
    --test) test=1 ;;
    --voices) [ $# -ge 2 ] || { echo "setup.sh: --voices needs a folder" >&2; exit 2; }; voices="$2"; shift ;;
    --voices=*) voices="${1#--voices=}" ;;
    *) echo "usage: scripts/setup.sh [--test] [--voices DIR]" >&2; exit 2 ;;
  esac
  shift
done

extras="[ja,en]"
[ -n "$test" ] && extras="[test,qwen3-cpu,ja,en]"

need_apt=()
command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || need_apt+=(ffmpeg)
# the QA report test renders the report in headless Chromium; Playwright drives it in the review page's test
# (tests/test_review_browser.py: executable_path, so `playwright install` never downloads a browser)
[ -n "$test" ] && { command -v chromium >/dev/null || need_apt+=(chromium); }
# the read-along EPUB test checks the book with epubcheck
[ -n "$test" ] && { command -v epubcheck >/dev/null || need_apt+=(epubcheck); }
# npm fetches Kokoro's voices (the kokoro-js package) unless a folder of them is given
[ -z "$voices" ] && { command -v npm >/dev/null || need_apt+=(npm); }
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
[ -n "$test" ] && "${pip[@]}" --no-deps "qwen-tts==0.1.1"
# Kokoro's 54 v1.0 voices (English and others) for --backend kokoro-en: npm pack kokoro-js@1.2.1,
# the tarball and every voice checked against narration/data/kokoro-voices.sha256; nothing is
# fetched at run time. Already installed and intact: nothing to do.
if [ -n "$voices" ]; then
  .venv/bin/python -m narration.synthesis.kokoro_voices --voices "$voices"
else
  .venv/bin/python -m narration.synthesis.kokoro_voices
fi
# The Kokoro model in the form this CPU runs fastest (narration/synthesis/kokoro_model.py), made
# now rather than on the first narration: a few seconds, offline, from the installed model.
.venv/bin/python -m narration.synthesis.kokoro_model
echo "narration installed in .venv (run .venv/bin/narrate --help)"
