"""The chat/preview panel shown by `%%vibe` (anywidget). Importing this package imports anywidget."""

from __future__ import annotations

from .panel import Frames, VibePanel, answer_state, panel_module, preview_document

__all__ = ["Frames", "VibePanel", "answer_state", "panel_module", "preview_document"]
