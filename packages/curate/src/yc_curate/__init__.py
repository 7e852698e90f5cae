"""yc_curate: transcribe, summarize, render templates, filter, dedupe, split and publish speech datasets.

Usable alone on any list of audio files or polars frame; never assumes a yc workspace.
"""

from yc_curate.errors import CurateError, MissingExtraError

__all__ = ["CurateError", "MissingExtraError"]
