"""Delivery profiles: what a distributor's files must measure (``Rules``) and how we master to
it (``Mastering``). ``default`` masters nothing (today's assembly, byte for byte) and checks
nothing; ``acx`` is ACX / Audible's audio submission requirements.
"""

from __future__ import annotations

from dataclasses import dataclass

from narration.errors import ConfigError


@dataclass(frozen=True)
class Rules:
    """What every file of a book must measure. ``None`` leaves a property unchecked."""

    rms_db: tuple[float, float] | None = None  # RMS level of the whole file, dBFS
    peak_max_db: float | None = None  # true peak (ffmpeg's ebur128, 4x oversampled), dBTP
    noise_floor_max_db: float | None = None  # RMS of the quietest 500 ms, dBFS
    head_s: tuple[float, float] | None = None  # room tone before the first sound, seconds
    tail_s: tuple[float, float] | None = None  # room tone after the last sound, seconds
    sample_rate: int | None = None  # Hz
    codec: str | None = None  # ffprobe's codec name, e.g. "mp3"
    min_bitrate_kbps: float | None = None
    cbr: bool = False  # constant bit rate (the MP3's Info/Xing header, read by mutagen)
    same_channels: bool = False  # one channel layout for all files of the book
    max_minutes: float | None = None  # longest file


@dataclass(frozen=True)
class Mastering:
    """How chapter files are made to pass a profile's rules: the targets sit inside its ranges
    with margins for what MP3 encoding moves (peaks rise ~0.5 dB, edges smear a few ms)."""

    rms_db: float  # one gain per chapter to this RMS
    true_peak_db: float  # limiter ceiling, measured as true peak before encoding
    room_tone_db: float | None  # RMS of the pink-noise bed under the whole file; None: digital silence
    head_s: float  # room tone before the first word
    tail_s: float  # room tone after the last word
    sample_rate: int
    channels: int
    format: str  # chapter file format (``narration.assembly.FORMATS``)
    bitrate: str  # CBR; a higher ``--bitrate`` is kept


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    rules: Rules | None  # None: measure only
    mastering: Mastering | None  # None: chapter files as the assembly options make them

    @property
    def max_seconds(self) -> float | None:
        return self.rules.max_minutes * 60 if self.rules and self.rules.max_minutes else None


ACX = Profile(
    name="acx",
    description="ACX / Audible: RMS -23..-18 dB, peak <= -3 dB, noise floor <= -60 dB, 0.5-1 s head and "
    "1-5 s tail room tone, 44.1 kHz 192 kbps+ CBR MP3, one channel layout, <= 120 min a file",
    rules=Rules(
        rms_db=(-23.0, -18.0), peak_max_db=-3.0, noise_floor_max_db=-60.0, head_s=(0.5, 1.0), tail_s=(1.0, 5.0),
        sample_rate=44100, codec="mp3", min_bitrate_kbps=192, cbr=True, same_channels=True, max_minutes=120,
    ),
    # Room tone: pink noise at -65 dB RMS, like a quiet booth, 5 dB under the ceiling; ACX asks
    # for room tone, and a player's "digital silence" between files sounds like a dropout.
    mastering=Mastering(rms_db=-20.5, true_peak_db=-4.0, room_tone_db=-65.0, head_s=0.75, tail_s=2.5,
                        sample_rate=44100, channels=1, format="mp3", bitrate="192k"),
)

DEFAULT = Profile(name="default", description="the assembly options as given; nothing checked", rules=None,
                  mastering=None)

PROFILES: dict[str, Profile] = {p.name: p for p in (DEFAULT, ACX)}


def get_profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ConfigError(f"unknown profile {name!r}; choose one of {', '.join(PROFILES)}") from None
