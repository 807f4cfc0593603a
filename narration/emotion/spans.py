"""Speech and narration spans: moved to ``narration.text.spans`` so the cast stage (between text
and emotion) reads the same spans without importing this stage; kept here for its importers."""

from narration.text.spans import Span, replace_spans, span_texts, split_spans

__all__ = ["Span", "replace_spans", "span_texts", "split_spans"]
