"""The module's name until 2026-12 (now ``narration.run.takes``). Kept so that batch results Prefect
stored under this name (its result cache) still load (``narration.compat.READERS``)."""

from narration.run.takes import ChunkFailures, RenderedChunk, render_chunks

__all__ = ["ChunkFailures", "RenderedChunk", "render_chunks"]
