"""narration: batch audiobook narration.

Stages, each a subpackage of plain functions: ``ingest`` (EPUB/Markdown -> Book),
``text`` (sentences, speech normalisation, chunks), ``synthesis`` (backends), ``assembly``
(chapter files and the M4B). ``plan.plan_book`` reads a book into its narration plan; the
Prefect flows in ``flows/`` run plans.
"""

__version__ = "0.1.0"
