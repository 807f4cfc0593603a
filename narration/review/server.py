"""``narrate review``'s web server: the page, the book's document, its audio and the edits.

Bound to 127.0.0.1 unless told otherwise. No path from a request reaches the file system: audio
is asked for by a chapter number or a take's key (64 hex digits), mapped to a path by
``BookLayout``, and the path is then checked to be a regular file inside the book's folder
(a record edited to point elsewhere is refused too). Requests must name this server as their
host (a DNS-rebinding page cannot reach it) and changes are JSON POSTs, which another site's
page cannot send here without a CORS preflight this server never answers. Reading the book and
writing its files run on worker threads, so the page's progress polls are answered meanwhile.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from narration.errors import BookLocked, NarrationError
from narration.review import edits
from narration.review.book import (
    ReviewBook,
    book_outline,
    chapter_audio,
    chapter_document,
    previous_take,
)

log = logging.getLogger(__name__)

_STATIC = {"/": ("review.html", "text/html"), "/review.js": ("review.js", "text/javascript"),
           "/review.css": ("review.css", "text/css")}
_AUDIO_TYPES = {".mp3": "audio/mpeg", ".m4a": "audio/mp4", ".opus": "audio/ogg", ".flac": "audio/flac",
                ".wav": "audio/wav"}


class ApplyState:
    """The background Apply: one at a time; its progress, read by the page."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.doc: dict[str, Any] = {"state": "idle"}
        self.thread: threading.Thread | None = None

    def update(self, **fields: Any) -> None:
        with self._lock:
            self.doc = {**self.doc, **fields}

    def reset(self, **fields: Any) -> None:
        with self._lock:
            self.doc = dict(fields)

    def read(self) -> dict[str, Any]:
        with self._lock:
            return dict(self.doc)

    # ProgressListener
    def book_started(self, title: str, chapters: int, chunks: int, cached: int) -> None:
        self.update(chunks=chunks, to_synthesize=chunks - cached, done=0)

    def chunks_done(self, count: int, audio_seconds: float) -> None:
        with self._lock:
            self.doc["done"] = self.doc.get("done", 0) + count

    def chapter_done(self, index: int, title: str) -> None:
        with self._lock:
            self.doc["chapters_done"] = self.doc.get("chapters_done", 0) + 1


def inside_book(review: ReviewBook, path: Path) -> Path | None:
    """``path`` when it is a regular file (not a link) inside the book's folder; else None."""
    root = review.layout.root.resolve()
    try:
        if path.is_symlink() or not path.is_file():
            return None
        resolved = path.resolve(strict=True)
    except OSError:
        return None
    return resolved if resolved.is_relative_to(root) else None


def _audio(review: ReviewBook, path: Path | None) -> Response:
    found = inside_book(review, path) if path is not None else None
    if found is None or found.suffix.lower() not in _AUDIO_TYPES:
        return JSONResponse({"error": "not found"}, status_code=404)
    return FileResponse(found, media_type=_AUDIO_TYPES[found.suffix.lower()])


def _error(exc: Exception) -> JSONResponse:
    status = 409 if isinstance(exc, BookLocked) else 400
    return JSONResponse({"error": str(exc)}, status_code=status)


async def _json_body(request: Request) -> dict[str, Any]:
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise NarrationError("changes are sent as application/json")
    body = await request.json()
    if not isinstance(body, dict):
        raise NarrationError("expected a JSON object")
    return body


def _int(body: dict[str, Any], name: str) -> int:
    value = body.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise NarrationError(f"{name}: expected a number")
    return value


def _span(body: dict[str, Any]) -> tuple[int, int, int]:
    """(chapter, paragraph) 1-based as the script numbers them, and the span as sent."""
    return _int(body, "chapter") + 1, _int(body, "paragraph") + 1, _int(body, "span")


async def _edit(request: Request, write: Callable[[dict[str, Any]], Any], answer: Callable[[Any], dict[str, Any]]) -> Response:
    """One edit of the page: its JSON body written by ``write`` (a file under the book's lock, on a
    worker thread), answered with ``answer`` of what it wrote, or refused in one line."""
    try:
        body = await _json_body(request)
        written = await run_in_threadpool(write, body)
    except (NarrationError, ValueError) as exc:
        return _error(exc)
    return JSONResponse(answer(written))


def create_app(review: ReviewBook, *, hosts: tuple[str, ...] = ("127.0.0.1", "localhost"), narrator: Any = None) -> Starlette:
    """The review app of one book. ``hosts``: the host names requests may address it by;
    ``narrator``: loaded models for Apply's runs (None: each run loads its own)."""
    applying = ApplyState()
    layout = review.layout

    async def static(request: Request) -> Response:
        name, media = _STATIC[request.url.path]
        text = (resources.files("narration.review") / "static" / name).read_text(encoding="utf-8")
        return Response(text, media_type=media, headers={"Cache-Control": "no-store"})

    async def document(request: Request) -> Response:
        try:
            return JSONResponse(await run_in_threadpool(book_outline, review))
        except NarrationError as exc:
            return _error(exc)

    async def chapter_doc(request: Request) -> Response:
        try:
            number = int(request.path_params["number"])
        except ValueError:
            return JSONResponse({"error": "not found"}, status_code=404)
        try:
            return JSONResponse(await run_in_threadpool(chapter_document, review, number))
        except LookupError as exc:  # a number the book has no chapter for
            return JSONResponse({"error": str(exc)}, status_code=404)
        except NarrationError as exc:
            return _error(exc)

    async def chapter(request: Request) -> Response:
        try:
            index = int(request.path_params["index"])
        except ValueError:
            return JSONResponse({"error": "not found"}, status_code=404)
        made = chapter_audio(layout, index)
        return _audio(review, made[0] if made else None)

    async def take(request: Request) -> Response:
        key = request.path_params["key"]
        return _audio(review, layout.chunk_audio(key) if edits.is_key(key) else None)

    async def before(request: Request) -> Response:
        key = request.path_params["key"]
        return _audio(review, previous_take(layout, key) if edits.is_key(key) else None)

    async def lexicon(request: Request) -> Response:
        return await _edit(request, lambda body: edits.set_pronunciation(
            layout, body.get("word"), body.get("say"), review.options.synthesis.lexicon),
            lambda entries: {"entries": len(entries), "file": edits.lexicon_path(layout).name})

    async def tag(request: Request) -> Response:
        return await _edit(request, lambda body: edits.set_tag(layout, *_span(body), body.get("tag")),
                           lambda _: {"file": layout.script.name})

    async def speaker(request: Request) -> Response:
        return await _edit(request, lambda body: edits.set_speaker(layout, *_span(body), body.get("speaker")),
                           lambda _: {"file": layout.script.name})

    async def voice(request: Request) -> Response:
        return await _edit(request, lambda body: edits.set_voice(layout, str(body.get("character", "")), body.get("voice")),
                           lambda _: {"file": layout.cast.name})

    async def retake(request: Request) -> Response:
        return await _edit(request, lambda body: edits.mark_retake(layout, _int(body, "chunk"), bool(body.get("marked", True))),
                           lambda marked: {"marked": len(marked)})

    def run_apply() -> None:
        try:
            applied = edits.apply(review, applying, narrator)
        except Exception as exc:  # noqa: BLE001  (the page shows what went wrong; the server goes on)
            log.warning("apply failed: %s", exc)
            applying.update(state="failed", error=str(exc))
            return
        applying.update(state="done", synthesized=applied.result.synthesized, changed=sorted(applied.changed),
                        m4b=applied.result.m4b)

    async def start_apply(request: Request) -> Response:
        try:
            await _json_body(request)
        except (NarrationError, ValueError) as exc:
            return _error(exc)
        if applying.thread is not None and applying.thread.is_alive():
            return JSONResponse({"error": "an Apply is running"}, status_code=409)
        applying.reset(state="running", done=0)
        applying.thread = threading.Thread(target=run_apply, name="review-apply", daemon=True)
        applying.thread.start()
        return JSONResponse(applying.read(), status_code=202)

    async def progress(request: Request) -> Response:
        return JSONResponse(applying.read())

    routes = [Route(path, static) for path in _STATIC] + [
        Route("/api/book", document),  # the chapter list: the page loads it first
        Route("/api/chapter/{number}", chapter_doc),  # a chapter's sentences and chunks, when opened
        Route("/api/progress", progress),
        Route("/api/lexicon", lexicon, methods=["POST"]),
        Route("/api/tag", tag, methods=["POST"]),
        Route("/api/speaker", speaker, methods=["POST"]),
        Route("/api/voice", voice, methods=["POST"]),
        Route("/api/retake", retake, methods=["POST"]),
        Route("/api/apply", start_apply, methods=["POST"]),
        Route("/audio/chapter/{index}", chapter),
        Route("/audio/take/{key}", take),
        Route("/audio/before/{key}", before),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=list(hosts))])
    app.state.applying = applying
    app.state.review = review
    return app


def serve(review: ReviewBook, host: str = "127.0.0.1", port: int = 8765) -> None:
    """Serve the review page until interrupted."""
    import uvicorn

    hosts = tuple(dict.fromkeys([host, "127.0.0.1", "localhost"]))
    uvicorn.run(create_app(review, hosts=hosts), host=host, port=port, log_level="warning")
