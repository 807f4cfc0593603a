"""What ``narrate voices`` costs a voice: Kokoro English's model load against its synthesis, and
the voices rendered one backend each (as before) against one loaded backend and one batch.

    python bench/audition.py [--voices 6] [--out bench/results/audition.md]

Steps, in one process, each into an empty store (so every take is rendered):
1. the backend made (voice files checked) and its first take: the ONNX session, misaki and spaCy
   load on first use, so the first take minus a second take of another passage is the model load;
2. ``--voices`` voices one at a time, each with a backend of its own (the audition before);
3. the same voices through ``audition``: one backend, one batch (two inferences at once).
Steps 2 and 3 run with the model (and the British G2P) loaded, so they compare synthesis alone. Prints the machine and
its load; writes the table to ``--out``. Not a test.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hardware import machine

from narration.audio import write_wav
from narration.model import Utterance
from narration.options import NarrationOptions
from narration.review.audition import PASSAGES, audition, installed_voices
from narration.run.narrator import load_backend
from narration.text.normalize import normalize

OTHER = "The shepherd boy sat on the hill all day, and nothing came near the sheep."


def seconds(start: float) -> float:
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voices", type=int, default=6, help="how many English Kokoro voices to time (all: 28)")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results" / "audition.md")
    args = parser.parse_args()
    voices = [v for v in installed_voices("en") if v.backend == "kokoro-en"]
    chosen = voices[: args.voices]
    text = PASSAGES["en"]
    load_before = os.getloadavg()[0]

    start = time.perf_counter()
    backend = load_backend(NarrationOptions(backend="kokoro-en", voice=chosen[0].name, qa=False))
    made = seconds(start)
    start = time.perf_counter()
    first = backend.synthesize([Utterance(text=normalize(text, "en"), language="en", voice=chosen[0].name)])[0]
    first_take = seconds(start)
    start = time.perf_counter()
    backend.synthesize([Utterance(text=normalize(OTHER, "en"), language="en", voice=chosen[0].name)])
    second_take = seconds(start)
    if british := next((v.name for v in chosen if v.name.startswith("b")), None):  # misaki's British G2P, loaded
        backend.synthesize([Utterance(text=normalize(OTHER, "en"), language="en", voice=british)])  # for both steps

    with tempfile.TemporaryDirectory() as one, tempfile.TemporaryDirectory() as batch:
        start, loads = time.perf_counter(), 0.0
        for voice in chosen:  # the audition before: a backend per voice, a take each
            t = time.perf_counter()
            own = load_backend(NarrationOptions(backend="kokoro-en", voice=voice.name, qa=False))
            loads += seconds(t)
            take = own.synthesize([Utterance(text=normalize(text, "en"), language="en", voice=voice.name)])[0]
            write_wav(Path(one) / f"{voice.name}.wav", take)
        each = seconds(start)
        start = time.perf_counter()
        takes = audition(chosen, text, "en", batch)
        batched = seconds(start)
    assert len(takes) == len(chosen) and all(t.rendered for t in takes)
    n = len(chosen)
    lines = [
        "# narrate voices: what a voice costs",
        "",
        (f"`python bench/audition.py --voices {n}`; machine: {machine()}; load average {load_before:.1f} "
        f"at the start, {os.getloadavg()[0]:.1f} at the end (the cores are shared with other work)."),
        (f"Passage: the English default ({len(text.split())} words, {first.duration:.1f} s of speech); "
        f"Kokoro English (`kokoro-en`), voices {', '.join(v.name for v in chosen)} of the {len(voices)} installed."),
        "",
        "| step | seconds |",
        "|---|---:|",
        f"| backend made (voice files read and checked) | {made:.2f} |",
        f"| first take (loads the ONNX session, misaki and spaCy) | {first_take:.2f} |",
        f"| a second take (another passage of {len(OTHER.split())} words; synthesis alone) | {second_take:.2f} |",
        f"| model load (first take minus second, about) | {first_take - second_take:.2f} |",
        (f"| {n} voices, a backend each, one take at a time (the audition before) | {each:.2f} ({each / n:.2f} a voice; "
        f"{loads:.2f} of it making backends) |"),
        f"| {n} voices, one backend, one batch (`audition` now) | {batched:.2f} ({batched / n:.2f} a voice) |",
        f"| ratio, before / now | {each / batched:.2f} |",
        "",
        (f"All {len(voices)} English Kokoro voices at the batched rate: about {batched / n * len(voices):.0f} s "
        "after the model load, once; a second audition of the same passage reads every take from the store."),
    ]
    report = "\n".join(lines) + "\n"
    print(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
