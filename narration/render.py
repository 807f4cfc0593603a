"""The module's name before 2026-11 (now ``narration.run.takes``). Kept so that batch results Prefect
stored under this name (its result cache) still load; until 2027-05-31 (``narration.compat.READERS``)."""

from narration.run.takes import ChunkFailures, RenderedChunk, render_chunks

__all__ = ["ChunkFailures", "RenderedChunk", "render_chunks"]
