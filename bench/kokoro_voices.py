"""Which Kokoro English voice narrates best: the measurement behind the default (issue 14).

    .venv/bin/python bench/kokoro_voices.py [--voices af_heart,bm_george,...] [--chunks 8]

Each candidate voice reads the same texts: the sample book's first chunks (inputs/aesop-fables.epub)
and a few sentences of prose with dialogue written for this bench. For each voice it prints the
word error rate whisper-base hears (the bundled QA model, greedy) on the sample and on the
dialogue apart, seconds of audio per 100
characters (speaking rate), the pitch range (5th-95th percentile of librosa's pYIN F0, in
semitones: how much the voice moves), and synthesis wall per second of audio. Not a test.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.hardware import cpu_description  # noqa: E402
from narration.model import Utterance  # noqa: E402
from narration.options import NarrationOptions  # noqa: E402
from narration.qa.asr import AsrOptions, Transcriber  # noqa: E402
from narration.qa.compare import compare  # noqa: E402
from narration.run.plan import plan_book  # noqa: E402
from narration.synthesis.kokoro_en import KokoroEnglishBackend  # noqa: E402

CANDIDATES = ("af_heart", "af_bella", "af_nicole", "af_sarah", "am_michael", "am_fenrir", "am_puck",
              "bf_emma", "bf_isabella", "bm_george", "bm_fable", "bm_lewis")

# Written for this bench: narration around speech, as novels have it.
DIALOGUE = [
    '"You are late again," said the innkeeper, without looking up from his ledger.',
    '"The coach lost a wheel at Stanton," Margaret answered. "We walked the last four miles."',
    'He set down his pen. "Four miles, in this weather? Sit by the fire, both of you."',
    '"I will not sit," said the boy, "until someone tells me where my father has gone."',
    "Nobody answered him. The clock on the stair struck nine, and the rain went on.",
    '"Mr. Hale left on the 14th of March," the innkeeper said at last, "and owed me £3 10s."',
]


def sample_chunks(count: int) -> list[str]:
    plan = plan_book(ROOT / "inputs" / "aesop-fables.epub", NarrationOptions(backend="piper"))
    return [c.source for c in plan.chunks if len(c.source) > 40][:count]


def pitch_range(samples: np.ndarray, rate: int) -> float:
    import librosa

    f0, voiced, _ = librosa.pyin(samples, fmin=60, fmax=500, sr=rate, frame_length=2048)
    f0 = f0[voiced & np.isfinite(f0)]
    if len(f0) < 10:
        return float("nan")
    low, high = np.percentile(f0, [5, 95])
    return float(12 * np.log2(high / low))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--voices", default=",".join(CANDIDATES))
    parser.add_argument("--chunks", type=int, default=8, help="chunks of the sample book")
    args = parser.parse_args()
    sample = sample_chunks(args.chunks)
    texts = sample + DIALOGUE
    asr = Transcriber(AsrOptions(model="base"))
    print(f"machine: {cpu_description()}; {len(sample)} sample chunks and {len(DIALOGUE)} dialogue lines, "
          f"{sum(map(len, texts))} characters")
    print("| voice | WER % sample | WER % dialogue | s audio / 100 chars | pitch range (semitones) "
          "| synthesis wall / audio |")
    print("|---|---|---|---|---|---|")
    for voice in args.voices.split(","):
        backend = KokoroEnglishBackend(voice=voice)
        errors, words = [0, 0], [0, 0]  # sample, dialogue
        seconds = wall = 0.0
        ranges = []
        for n, text in enumerate(texts):
            started = time.perf_counter()
            (audio,) = backend.synthesize([Utterance(text=text, language="en")])
            wall += time.perf_counter() - started
            seconds += audio.duration
            heard = compare(text, asr.transcribe([audio], "en"), "en")
            part = int(n >= len(sample))
            errors[part] += heard.substitutions + heard.deletions + heard.insertions
            words[part] += len(heard.reference)
            ranges.append(pitch_range(audio.samples, audio.sample_rate))
        print(f"| {voice} | {100 * errors[0] / words[0]:.1f} | {100 * errors[1] / words[1]:.1f} "
              f"| {100 * seconds / sum(map(len, texts)):.2f} | {np.nanmedian(ranges):.1f} | {wall / seconds:.2f} |",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
