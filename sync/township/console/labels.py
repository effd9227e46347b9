"""Status and kind names in the active language (the workflow module holds both languages)."""

from __future__ import annotations

from django.utils import translation

from sync.workflow import KIND_EN, KIND_ZH, status_label as _status_label


def lang() -> str:
    return "en" if (translation.get_language() or "").startswith("en") else "zh"


def status_label(kind: str, status: str) -> str:
    return _status_label(kind, status, lang())


def kind_label(kind: str) -> str:
    return (KIND_EN if lang() == "en" else KIND_ZH).get(kind, kind)
