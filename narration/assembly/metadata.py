"""Tags and cover art for the files we write (MP3, M4A/M4B, FLAC, Opus), through mutagen.

Tags use mutagen's "easy" names so one dict works for every container: title, artist,
albumartist, album, genre, language, tracknumber ("3" or "3/12"), date. "track" and
"album_artist" are accepted as aliases.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Mapping
from pathlib import Path

import mutagen
from mutagen.easymp4 import EasyMP4Tags
from mutagen.flac import FLAC, Picture
from mutagen.id3 import APIC, ID3
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4, MP4Cover
from mutagen.oggopus import OggOpus

from narration.display import clean_title
from narration.model import Cover

log = logging.getLogger(__name__)

# MP4 has no language atom; a freeform iTunes atom is what taggers (Mp3tag, Picard) use.
EasyMP4Tags.RegisterFreeformKey("language", "LANGUAGE")

_ALIASES = {"track": "tracknumber", "album_artist": "albumartist"}
_MP4_COVER_FORMATS = {"image/jpeg": MP4Cover.FORMAT_JPEG, "image/png": MP4Cover.FORMAT_PNG}
_FRONT_COVER = 3  # ID3/FLAC picture type "Cover (front)"
_MP4_AUDIOBOOK = 2  # iTunes media kind (stik) "Audiobook"


def tag_file(path: str | Path, tags: Mapping[str, str], cover: Cover | None = None) -> None:
    """Set ``tags`` and the front ``cover`` on an existing audio file, in place. Values are
    cleaned of escape sequences and bidi or other invisible characters (players show tags)."""
    path = Path(path)
    easy = mutagen.File(str(path), easy=True)
    if easy is None:
        raise ValueError(f"{path}: cannot tag this kind of file")
    if easy.tags is None:
        easy.add_tags()
    for key, value in tags.items():
        key = _ALIASES.get(key, key)
        try:
            easy[key] = [clean_title(value)]
        except (KeyError, ValueError) as exc:
            raise ValueError(f"tag {key!r} is not supported for {path.suffix} files") from exc
    _save(easy)
    if cover is not None or path.suffix.lower() == ".m4b":
        full = mutagen.File(str(path))
        if cover is not None:
            _add_cover(full, cover, path)
        if isinstance(full, MP4) and path.suffix.lower() == ".m4b":
            full.tags["stik"] = [_MP4_AUDIOBOOK]
        _save(full)


def _save(file: mutagen.FileType) -> None:
    # ID3v2.3: v2.4 is still unread by Windows Explorer and many car stereos.
    if isinstance(file.tags, ID3) or isinstance(file, MP3):
        file.save(v2_version=3)
    else:
        file.save()


def _add_cover(file: mutagen.FileType, cover: Cover, path: Path) -> None:
    if isinstance(file, MP4):
        fmt = _MP4_COVER_FORMATS.get(cover.media_type)
        if fmt is None:  # MP4 covers can only be JPEG or PNG; a missing cover beats a broken file
            log.warning("%s: cover of type %s not embedded (MP4 takes JPEG or PNG)", path, cover.media_type)
            return
        file.tags["covr"] = [MP4Cover(cover.data, imageformat=fmt)]
    elif isinstance(file, MP3):
        apic = APIC(encoding=3, mime=cover.media_type, type=_FRONT_COVER, desc="Cover", data=cover.data)
        file.tags.add(apic)
    elif isinstance(file, FLAC):
        file.add_picture(_picture(cover))
    elif isinstance(file, OggOpus):
        # Vorbis-comment covers are a base64 FLAC picture block (the de-facto standard).
        file.tags["metadata_block_picture"] = [base64.b64encode(_picture(cover).write()).decode("ascii")]
    else:
        log.warning("%s: cover art not supported for this format", path)


def _picture(cover: Cover) -> Picture:
    pic = Picture()
    pic.type = _FRONT_COVER
    pic.mime = cover.media_type
    pic.desc = "Cover"
    pic.data = cover.data
    return pic
