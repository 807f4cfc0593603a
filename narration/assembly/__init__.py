"""Assembly: chunk audio -> chapter files (mp3/m4a/opus/flac) -> one chaptered .m4b.

Everything audio-file related runs through ffmpeg (found on PATH; a ConfigError says how to
install it when it is missing)."""

from narration.assembly.audiobook import assemble_book
from narration.assembly.chapter import FORMATS, ChapterAudio, Pauses, assemble_chapter
from narration.audio import read_wav, write_wav
from narration.ffmpeg import FFmpegError, probe_chapters, probe_duration

__all__ = [
    "FORMATS", "ChapterAudio", "FFmpegError", "Pauses", "assemble_book", "assemble_chapter",
    "probe_chapters", "probe_duration", "read_wav", "write_wav",
]
