"""Emotion that can be heard on CPU: how each tag changes Kokoro English's delivery (issue 14, part 6).

    .venv/bin/python bench/kokoro_emotion.py [--choose] [--passages 8] [--out bench/results/kokoro_emotion.md]

Each tag in ``styles.toml``'s ``[kokoro-en]`` table is a rate and a ``blend``: a share of another
voice's *delivery* (the prosody half of Kokoro's style vector, which drives durations, pitch and
energy), while the narrator keeps their own timbre (the decoder half).

``--choose`` is the measurement behind the blends: every installed American and British voice of
the narrator's gender lends its delivery at ``--weight`` to the narrator (af_heart for women's
voices, am_michael for men's) on calibration sentences, and the change in speaking rate, median
pitch, pitch range and energy is measured; each tag then takes the voice whose changes point
most the way that emotion moves speech (Banse & Scherer 1996, "Acoustic profiles in vocal
emotion expression": joy and anger faster and louder, joy higher and wider; sadness slower,
lower, narrower and softer; fear faster and higher; surprise higher and wider; disgust slower
and lower), each feature scaled by its spread over the candidates; taken in that order, each
voice lent to one tag only, so that the tags stay apart.

The evaluation reads passages (not the calibration sentences) neutrally and with each tag, the
same text both ways, with the shipped table, for a woman's and a man's narrator, and prints the
mean change per tag with a 95 % interval over passages. Not a test.

Features, per take: speaking rate = characters / seconds of audio (trimmed by the backend);
median pitch and pitch range (10th-90th percentile) of librosa's pYIN F0 in semitones; energy =
RMS in dB over frames above -40 dB of the take's peak frame.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.hardware import cpu_description  # noqa: E402
from narration.emotion import load_styles, prosody_table  # noqa: E402
from narration.emotion.tags import NEUTRAL, TAGS  # noqa: E402
from narration.model import Utterance  # noqa: E402
from narration.synthesis import kokoro_voices  # noqa: E402
from narration.synthesis.kokoro_en import KokoroEnglishBackend, voice_pack, parse_voice, with_delivery  # noqa: E402
from narration.synthesis import kokoro_en  # noqa: E402

RATE = 24000
NARRATORS = {"f": "af_heart", "m": "am_michael"}
FEATURES = ("rate", "pitch", "range", "energy")
UNITS = {"rate": "%", "pitch": "st", "range": "st", "energy": "dB"}
# How each emotion moves speech, feature by feature (+1 up, -1 down, 0 no expectation).
DIRECTIONS = {
    "happy": {"rate": 1, "pitch": 1, "range": 1, "energy": 1},
    "sad": {"rate": -1, "pitch": -1, "range": -1, "energy": -1},
    "angry": {"rate": 1, "pitch": 0, "range": 0, "energy": 1},
    "fearful": {"rate": 1, "pitch": 1, "range": -1, "energy": 0},
    "surprised": {"rate": 0, "pitch": 1, "range": 1, "energy": 0},
    "disgusted": {"rate": -1, "pitch": -1, "range": 0, "energy": 0},
}

# Written for this bench. Calibration: plain narration, to see what a blend alone does.
CALIBRATION = [
    "She opened the letter by the window and read it through twice before she spoke.",
    "The old man had walked the same road every morning for forty years.",
    "Nobody answered when he knocked, so he waited in the cold until the lamps were lit.",
    "They reached the ferry at noon, and the river was higher than anyone could remember.",
]
# Evaluation: other passages, narration and speech.
PASSAGES = [
    '"You will not leave this house tonight," said her father, and he locked the door.',
    "The garden was quiet; only the bees moved among the roses by the wall.",
    '"I found it!" cried the boy. "It was under the stairs all along!"',
    "He had not eaten for two days, and the road ahead was long and empty.",
    '"Do not touch that," she whispered. "Something is moving behind it."',
    "The letter said nothing of the money, and nothing of the child.",
    '"Look at this room," said the inspector. "Nobody has cleaned it in a year."',
    "At the end of the lane stood a cottage with a green door and smoke rising from its chimney.",
    '"Well, I never," said Mrs. Hale, setting down the teapot. "Married, and to him!"',
    "The soldiers marched past the church, and the town watched them go without a word.",
]


def features(samples: np.ndarray, text: str) -> dict[str, float]:
    import librosa

    f0, voiced, _ = librosa.pyin(samples, fmin=60, fmax=500, sr=RATE, frame_length=1024, hop_length=256)
    f0 = f0[voiced & np.isfinite(f0)]
    semitones = 12 * np.log2(f0 / 100.0)
    rms = librosa.feature.rms(y=samples, frame_length=1024, hop_length=256)[0]
    loud = rms[rms > rms.max() * 0.01]
    return {
        "rate": len(text) / (len(samples) / RATE),
        "pitch": float(np.median(semitones)),
        "range": float(np.percentile(semitones, 90) - np.percentile(semitones, 10)),
        "energy": float(20 * np.log10(np.sqrt(np.mean(loud**2)))),
    }


def change(tagged: dict[str, float], neutral: dict[str, float]) -> dict[str, float]:
    """Tagged against neutral: rate in per cent, the others as differences."""
    out = {k: tagged[k] - neutral[k] for k in ("pitch", "range", "energy")}
    out["rate"] = 100 * (tagged["rate"] / neutral["rate"] - 1)
    return out


def read_with_pack(backend: KokoroEnglishBackend, pack: np.ndarray, text: str) -> np.ndarray:
    parts = [kokoro_en._infer(kokoro_en.token_ids(p), pack, 1.0, backend.engine) for p in backend.phonemes(text)]
    return np.concatenate(parts)


def choose(weight: float) -> tuple[list[str], dict[str, dict[str, str]]]:
    """Measure every candidate's delivery; per gender and tag, the best-suited voice."""
    installed = kokoro_voices.installed_voices()
    backend = KokoroEnglishBackend()
    lines: list[str] = []
    picks: dict[str, dict[str, str]] = {}
    for gender, narrator in NARRATORS.items():
        candidates = sorted(v for v in installed if v[:1] in "ab" and v[1:2] == gender and v != narrator)
        base, _ = voice_pack(parse_voice(narrator))
        reference = [features(read_with_pack(backend, base, t), t) for t in CALIBRATION]
        measured: dict[str, dict[str, float]] = {}
        for name in candidates:
            other, _ = voice_pack(parse_voice(name))
            pack = with_delivery(base, other, weight)
            changes = [change(features(read_with_pack(backend, pack, t), t), r) for t, r in zip(CALIBRATION, reference)]
            measured[name] = {k: float(np.mean([c[k] for c in changes])) for k in FEATURES}
            print(f"  {narrator} + {name}:{weight:g}: " + ", ".join(f"{k} {measured[name][k]:+.2f}" for k in FEATURES),
                  flush=True)
        spread = {k: float(np.std([m[k] for m in measured.values()])) or 1.0 for k in FEATURES}
        lines += [f"### {narrator}, delivery borrowed at {weight:g}", "",
                  "| voice | rate % | pitch st | range st | energy dB | " + " | ".join(DIRECTIONS) + " |",
                  "|---|---|---|---|---|" + "---|" * len(DIRECTIONS)]
        scores = {name: {tag: sum(d[k] * m[k] / spread[k] for k in FEATURES) for tag, d in DIRECTIONS.items()}
                  for name, m in measured.items()}
        # Greedy in DIRECTIONS' order, each voice lent once per gender, so that tags stay apart.
        picks[gender] = {}
        for tag in DIRECTIONS:
            free = [n for n in scores if n not in picks[gender].values()]
            picks[gender][tag] = max(free, key=lambda n: scores[n][tag])
        for name, m in measured.items():
            marks = [f"**{scores[name][t]:+.1f}**" if picks[gender][t] == name else f"{scores[name][t]:+.1f}"
                     for t in DIRECTIONS]
            lines.append(f"| {name} | {m['rate']:+.1f} | {m['pitch']:+.2f} | {m['range']:+.2f} | {m['energy']:+.2f} | "
                         + " | ".join(marks) + " |")
        lines += ["", "Picked (in bold: per tag in this order, the highest score among voices not yet picked): "
                  + ", ".join(f"{t} {v}" for t, v in picks[gender].items()), ""]
    return lines, picks


def evaluate(passages: list[str]) -> list[str]:
    table = prosody_table("kokoro-en", load_styles())
    lines = ["| narrator | tag | rate, blend | rate % | pitch st | range st | energy dB |", "|---|---|---|---|---|---|---|"]
    for narrator in NARRATORS.values():
        backend = KokoroEnglishBackend(voice=narrator, style_prosody=table, sentence_pause=0.0)
        neutral = [features(backend.synthesize([Utterance(t, "en", style=NEUTRAL)])[0].samples, t) for t in passages]
        for tag in TAGS:
            if tag == NEUTRAL:
                continue
            takes = backend.synthesize([Utterance(t, "en", style=tag) for t in passages])
            changes = [change(features(a.samples, t), n) for a, t, n in zip(takes, passages, neutral)]
            cells = []
            for k in FEATURES:
                values = np.array([c[k] for c in changes])
                half = 1.96 * values.std(ddof=1) / np.sqrt(len(values))
                cells.append(f"{values.mean():+.1f} ± {half:.1f}" if k == "rate" else f"{values.mean():+.2f} ± {half:.2f}")
            blend = backend.blend_for(backend.mix, tag)
            how = f"{backend.speed_for(tag):g}" + (f", {blend[0]}:{blend[1]:g}" if blend else "")
            lines.append(f"| {narrator} | {tag} | {how} | " + " | ".join(cells) + " |")
            print(lines[-1], flush=True)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--choose", action="store_true", help="measure every candidate voice's delivery first")
    parser.add_argument("--weight", type=float, default=0.3, help="share of delivery borrowed when choosing")
    parser.add_argument("--passages", type=int, default=len(PASSAGES))
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "kokoro_emotion.md")
    args = parser.parse_args()
    started = time.monotonic()
    out = ["# Emotion on Kokoro English: what each tag changes", "",
           f"Command: `.venv/bin/python bench/kokoro_emotion.py{' --choose' if args.choose else ''}"
           f" --passages {args.passages}`. Machine: {cpu_description()}; Python {platform.python_version()}.", ""]
    if args.choose:
        out += ["## Choosing the blends", "",
                "Each candidate lends its delivery to the narrator on 4 calibration sentences; mean change against "
                "the narrator alone. Score per tag: the changes, each over its spread across candidates, summed in "
                "the direction that emotion moves speech (see the script's docstring).", ""]
        lines, _ = choose(args.weight)
        out += lines
    out += ["## Tagged against neutral, with the shipped table", "",
            f"{args.passages} passages written for this bench, each read neutrally and with each tag (same text); "
            "mean change, ± the 95 % interval over passages. Rate: speaking rate (characters per second of audio).", ""]
    out += evaluate(PASSAGES[: args.passages])
    out += ["", f"Wall: {time.monotonic() - started:.0f} s."]
    args.out.write_text("\n".join(out) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
