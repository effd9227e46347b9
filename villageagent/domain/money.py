"""Money is integer fen (分), never float."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from villageagent.domain.errors import ValidationError

_YUAN = re.compile(r"^\d{1,9}(\.\d{1,2})?$")


def parse_yuan(text: str | int | Decimal, field: str = "amount") -> int:
    """'12.5' → 1250 fen. Refuses negatives, more than two decimals, and floats' noise."""
    raw = str(text).strip().replace(",", "").replace("，", "").removesuffix("元").strip()
    if not _YUAN.match(raw):
        raise ValidationError("money", field=field, text=str(text))
    try:
        return int((Decimal(raw) * 100).to_integral_exact())
    except InvalidOperation:
        raise ValidationError("money", field=field, text=str(text)) from None


def format_fen(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def format_yuan(fen: int) -> str:
    return f"{format_fen(fen)}元"
