"""Import jieba without pkg_resources.

jieba 0.42 imports setuptools' pkg_resources only to open its own data files, and falls back
to a plain ``open`` when that import fails. pkg_resources takes about 0.2 s to import (it
scans every installed distribution), a fifth of a cold ``juwei faq ask``, and is deprecated.
"""

from __future__ import annotations

import importlib
import sys


def import_jieba() -> None:
    """Load jieba with pkg_resources hidden (unless something loaded either already)."""
    if "jieba" in sys.modules or "pkg_resources" in sys.modules:
        return
    sys.modules["pkg_resources"] = None  # type: ignore[assignment]  # makes the import fail
    try:
        importlib.import_module("jieba")
    finally:
        del sys.modules["pkg_resources"]
