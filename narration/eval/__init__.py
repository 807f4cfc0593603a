"""Evaluation only: code that measures the pipeline (how close captions start to the words
heard, how well emotion tags match hand-labelled passages), used by ``tests/`` and ``bench/``.
A narration run never imports it (an import-linter contract in pyproject.toml says so)."""
