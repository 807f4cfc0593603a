"""The QA report: one self-contained HTML file per book (audio and images embedded, no network).

Built from what the manifest keeps per chunk (``QAResult.to_dict()`` or ``outcome_record``),
so a report can be written for any run, also one that failed. Flagged chunks (failed, retaken,
or kept although failing) get their text, what the ASR heard, the reasons, and a player for
the kept take (and the rejected one when its file is given), as MP3 data URIs: a few hundred
KB per minute, capped per clip and per report.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment

from narration.ffmpeg import FFmpegError, run_ffmpeg
from narration.qa.pronunciation import PronunciationHint, pronunciation_hints
from narration.store import atomic

# Above this error rate a chunk's mistakes say more about the take than about a word.
HINT_MAX_ERROR_RATE = 0.5


@dataclass(frozen=True)
class ReportChunk:
    index: int
    chapter: int
    chapter_title: str
    text: str
    status: str  # "done" or "failed"
    qa: Mapping[str, Any] | None  # QAResult.to_dict() / outcome_record(); None: not checked
    retakes: int = 0
    audio: Path | None = None  # the kept take
    rejected_audio: Path | None = None  # a take that was replaced, if kept on disk
    error: str | None = None  # the manifest's last error for a failed chunk

    @property
    def flagged(self) -> bool:
        return self.status != "done" or self.retakes > 0 or bool(self.qa and not self.qa.get("passed", True))


@dataclass(frozen=True)
class CastLine:
    """A character's first line, for the report's cast: who, in which voice, and the take."""

    name: str
    voice: str
    lines: int
    text: str
    audio: Path | None = None


@dataclass(frozen=True)
class ReportLimits:
    clip_seconds: float = 30.0  # each embedded clip is cut to this
    max_clips: int = 80  # clips beyond this are listed without a player
    bitrate: str = "32k"


@dataclass
class _Tally:
    errors: int = 0
    tokens: int = 0
    unit: str = "word"
    chunks: int = 0
    flagged: int = 0
    failed: int = 0
    retakes: int = 0
    seconds: float = 0.0
    titles: list[str] = field(default_factory=list)

    def add(self, chunk: ReportChunk) -> None:
        self.chunks += 1
        self.flagged += chunk.flagged
        self.failed += chunk.status != "done"
        self.retakes += chunk.retakes
        asr = (chunk.qa or {}).get("asr")
        if asr:
            self.errors += asr["substitutions"] + asr["deletions"] + asr["insertions"]
            self.tokens += asr["reference_tokens"]
            self.unit = asr["unit"]
        self.seconds += float(((chunk.qa or {}).get("signal") or {}).get("duration") or 0.0)

    @property
    def rate_label(self) -> str:
        return "WER" if self.unit == "word" else "CER"

    @property
    def error_rate(self) -> float | None:
        return self.errors / self.tokens if self.tokens else None


def audio_data_uri(path: Path, limits: ReportLimits) -> str | None:
    """The first ``clip_seconds`` of ``path`` as an MP3 data URI; None if it cannot be encoded."""
    if not path.is_file():
        return None
    try:
        proc = run_ffmpeg(
            ["-i", path, "-t", limits.clip_seconds, "-ac", 1, "-c:a", "libmp3lame", "-b:a", limits.bitrate,
             "-f", "mp3", "pipe:1"],
            what=f"encode {path.name} for the QA report",
        )
    except FFmpegError:
        return None
    return "data:audio/mpeg;base64," + base64.b64encode(proc.stdout).decode("ascii")


def image_data_uri(path: Path) -> str | None:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii") if path.is_file() else None


_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>QA report: {{ title }}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:70em;padding:0 1em;color:#222}
table{border-collapse:collapse;width:100%;margin:1em 0}
th,td{border:1px solid #ccc;padding:.35em .5em;text-align:left;vertical-align:top}
th{background:#f3f3f3}
.num{text-align:right;font-variant-numeric:tabular-nums}
tr.failed td{background:#fdecea} tr.retaken td{background:#fff8e1}
.reasons{color:#a00} .heard{color:#555;font-style:italic} .small{font-size:.85em;color:#555}
audio{width:18em;display:block;margin:.2em 0}
img.arc{max-width:100%}
pre{background:#f6f6f6;padding:.6em;overflow:auto}
</style></head><body>
<h1>QA report: {{ title }}</h1>
<section id="totals"><h2>Totals</h2>
<table><tr><th>chunks</th><th>audio</th><th>{{ total.rate_label }}</th><th>flagged</th><th>retakes</th><th>failed</th></tr>
<tr><td class="num">{{ total.chunks }}</td><td class="num">{{ minutes(total.seconds) }}</td>
<td class="num" id="total-error-rate">{{ percent(total.error_rate) }}</td><td class="num">{{ total.flagged }}</td>
<td class="num">{{ total.retakes }}</td><td class="num">{{ total.failed }}</td></tr></table></section>

<section id="chapters"><h2>Chapters</h2>
<table><tr><th>#</th><th>chapter</th><th>chunks</th><th>{{ total.rate_label }}</th><th>flagged</th><th>retakes</th><th>failed</th></tr>
{% for number, ch in chapters %}<tr class="chapter-row"><td class="num">{{ number + 1 }}</td><td>{{ ch.titles[0] }}</td>
<td class="num">{{ ch.chunks }}</td><td class="num">{{ percent(ch.error_rate) }}</td><td class="num">{{ ch.flagged }}</td>
<td class="num">{{ ch.retakes }}</td><td class="num">{{ ch.failed }}</td></tr>
{% endfor %}</table></section>

{% if mastering %}<section id="mastering"><h2>Mastering: {{ mastering.checked_against }}
{{ "passed" if mastering.passed else "failed" }}</h2>
{% if mastering.run_profile != mastering.checked_against %}<p class="small">This run's profile is
{{ mastering.run_profile }}; its files are checked against {{ mastering.checked_against }} to show what that
distributor would say (<code>--profile {{ mastering.checked_against }}</code> masters to it).</p>{% endif %}
{% if mastering.files %}<table><tr><th>file</th><th>result</th>{% for r in mastering.files[0].rules %}<th>{{ r.rule }}<br>
<span class="small">{{ r.required }}</span></th>{% endfor %}</tr>
{% for f in mastering.files %}<tr class="mastering-file{{ '' if f.passed else ' failed' }}"><td>{{ f.file }}</td>
<td>{{ "pass" if f.passed else "FAIL" }}</td>{% for r in f.rules %}<td class="num{{ '' if r.passed else ' reasons' }}">{{ r.measured }}</td>{% endfor %}</tr>
{% endfor %}</table>{% endif %}
{% for r in mastering.book_rules %}<p class="{{ '' if r.passed else 'reasons' }}">{{ r.rule }}: {{ r.measured }}
({{ r.required }}): {{ "pass" if r.passed else "FAIL" }}</p>{% endfor %}</section>{% endif %}

{% if cast %}<section id="cast"><h2>Cast</h2>
<p class="small">Each character's first line, in its voice. Change a voice in <code>cast.toml</code>, or who says a
line in <code>script.tsv</code>'s speaker column, and rerun: only those lines are made again.</p>
<table><tr><th>character</th><th>voice</th><th>lines</th><th>first line</th></tr>
{% for row in cast %}<tr class="cast-line"><td>{{ row.line.name }}</td><td>{{ row.line.voice }}</td>
<td class="num">{{ row.line.lines }}</td><td><div>{{ row.line.text }}</div>
{% if row.audio %}<audio controls preload="none" src="{{ row.audio }}"></audio>{% else %}<span class="small">no audio</span>{% endif %}</td></tr>
{% endfor %}</table></section>{% endif %}

{% if arc %}<section id="emotion-arc"><h2>Emotion arc</h2><img class="arc" alt="emotion arc" src="{{ arc }}"></section>{% endif %}

<section id="flagged"><h2>Flagged chunks ({{ flagged|length }})</h2>
{% if flagged %}<table><tr><th>#</th><th>chapter</th><th>text and what the ASR heard</th><th>verdict</th><th>audio</th></tr>
{% for row in flagged %}<tr class="flagged-chunk {{ row.css }}" data-chunk="{{ row.chunk.index }}">
<td class="num">{{ row.chunk.index }}</td><td>{{ row.chunk.chapter + 1 }}</td>
<td><div>{{ row.chunk.text }}</div><div class="heard">heard: {{ row.heard or "(nothing)" }}</div>
{% if row.missing %}<div class="small">missing: {{ row.missing|join(" | ") }}</div>{% endif %}
{% if row.extra %}<div class="small">extra: {{ row.extra|join(" | ") }}</div>{% endif %}</td>
<td>{{ row.chunk.status }}{% if row.chunk.retakes %}, {{ row.chunk.retakes }} retake(s){% endif %}
{% for take in row.takes %}<div class="small">take {{ take.attempt }}: {{ "pass" if take.passed else "fail" }}
{% if take.reasons %}<span class="reasons">({{ take.reasons|join(", ") }})</span>{% endif %}
{% if not take.passed and take.transcript is not none %}<div class="heard">heard: {{ take.transcript|truncate(160) or "(nothing)" }}</div>{% endif %}</div>{% endfor %}
{% if row.reasons %}<div class="reasons">{{ row.reasons|join(", ") }}</div>{% endif %}
{% if row.chunk.error %}<div class="reasons">{{ row.chunk.error }}</div>{% endif %}</td>
<td>{% if row.audio %}<div class="small">kept take</div><audio controls preload="none" src="{{ row.audio }}"></audio>{% endif %}
{% if row.rejected %}<div class="small">rejected take</div><audio controls preload="none" src="{{ row.rejected }}"></audio>{% endif %}
{% if not row.audio and not row.rejected %}<span class="small">no audio</span>{% endif %}</td></tr>
{% endfor %}</table>{% else %}<p>None: every chunk passed on its first take.</p>{% endif %}</section>

<section id="pronunciation"><h2>Pronunciation candidates</h2>
{% if hints %}<p>Words the ASR misheard in several chunks. If the voice says them wrongly, add them to your
pronunciation lexicon (a TOML file, <code>narrate --lexicon FILE</code>) with the spoken form you want;
a rerun resynthesizes only the chunks holding them:</p>
<table><tr><th>word</th><th>chunks</th><th>heard as</th></tr>
{% for hint in hints %}<tr class="hint"><td>{{ hint.word }}</td><td class="num">{{ hint.chunks }}</td>
<td>{% for heard, n in hint.heard %}{{ heard or "(nothing)" }} &times;{{ n }}{% if not loop.last %}, {% endif %}{% endfor %}</td></tr>
{% endfor %}</table>
<pre>{% for hint in hints %}{{ hint.lexicon_line() }}
{% endfor %}</pre>{% else %}<p>None.</p>{% endif %}</section>
</body></html>
"""


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _minutes(seconds: float) -> str:
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"


def _embed(path: Path | None, limits: ReportLimits, budget: list[int]) -> str | None:
    """``path`` as a data URI while the report's clip budget lasts."""
    if path is None or budget[0] <= 0:
        return None
    uri = audio_data_uri(path, limits)
    budget[0] -= uri is not None
    return uri


def _row(chunk: ReportChunk, limits: ReportLimits, budget: list[int]) -> dict[str, Any]:
    qa = chunk.qa or {}
    asr = qa.get("asr") or {}

    def embed(path: Path | None) -> str | None:
        return _embed(path, limits, budget)

    css = "failed" if chunk.status != "done" or not qa.get("passed", True) else "retaken"
    return {
        "chunk": chunk,
        "css": css,
        "heard": qa.get("transcript"),
        "reasons": qa.get("reasons") or [],
        "takes": qa.get("takes") or [],
        "missing": asr.get("missing") or [],
        "extra": asr.get("extra") or [],
        "audio": embed(chunk.audio),
        "rejected": embed(chunk.rejected_audio),
    }


def render_report(
    title: str,
    chunks: Sequence[ReportChunk],
    emotion_arc: Path | None = None,
    hints: Sequence[PronunciationHint] | None = None,
    limits: ReportLimits | None = None,
    mastering: Mapping[str, Any] | None = None,
    cast: Sequence[CastLine] = (),
) -> str:
    """The report's HTML. ``hints`` None: computed from the chunks' ASR results. ``mastering``:
    the run's conformance check (``narration.mastering.record``). ``cast``: each character's
    first line, a player each (these clips come before the flagged chunks' in the budget)."""
    limits = limits or ReportLimits()
    total = _Tally()
    chapters: dict[int, _Tally] = {}
    for chunk in chunks:
        total.add(chunk)
        tally = chapters.setdefault(chunk.chapter, _Tally())
        tally.add(chunk)
        if not tally.titles:
            tally.titles.append(chunk.chapter_title)
    if hints is None:
        usable = [c.qa["asr"] for c in chunks if c.qa and c.qa.get("asr")
                  and (c.qa.get("error_rate") or 0.0) <= HINT_MAX_ERROR_RATE]
        hints = pronunciation_hints(usable)
    budget = [limits.max_clips]
    cast_rows = [{"line": line, "audio": _embed(line.audio, limits, budget)} for line in cast]
    flagged = [_row(c, limits, budget) for c in chunks if c.flagged]
    env = Environment(autoescape=True, trim_blocks=False)
    template = env.from_string(_TEMPLATE)
    return template.render(
        title=title,
        total=total,
        chapters=sorted(chapters.items()),
        flagged=flagged,
        hints=hints,
        arc=image_data_uri(emotion_arc) if emotion_arc else None,
        mastering=mastering,
        cast=cast_rows,
        percent=_percent,
        minutes=_minutes,
    )


def write_report(
    path: str | Path,
    title: str,
    chunks: Sequence[ReportChunk],
    emotion_arc: Path | None = None,
    hints: Sequence[PronunciationHint] | None = None,
    limits: ReportLimits | None = None,
    mastering: Mapping[str, Any] | None = None,
    cast: Sequence[CastLine] = (),
) -> Path:
    """Write the report to ``path`` atomically; returns the path."""
    return atomic.write_text(path, render_report(title, chunks, emotion_arc, hints, limits, mastering, cast))
