"""Resident identity rules: ID numbers, mobile numbers, names and pinyin initials."""

from __future__ import annotations

import datetime as dt
import re

from pypinyin import Style, lazy_pinyin

from villageagent.domain.errors import ValidationError

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def id_check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of the first 17 digits."""
    total = sum(int(c) * w for c, w in zip(first17, _WEIGHTS))
    return _CHECK[total % 11]


def normalize_id_number(text: str) -> str:
    return text.strip().replace(" ", "").upper()


def validate_id_number(text: str, today: dt.date | None = None) -> str:
    """Return the normalized ID number or raise ValidationError naming what is wrong."""
    number = normalize_id_number(text)
    if len(number) != 18:
        raise ValidationError("id_length", field="id_number", length=len(number))
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError("id_chars", field="id_number")
    birth = number[6:14]
    try:
        born = dt.date(int(birth[:4]), int(birth[4:6]), int(birth[6:8]))
    except ValueError:
        raise ValidationError("id_birth", field="id_number", birth=birth) from None
    if born.year < 1890 or born > (today or dt.date.today()):
        raise ValidationError("id_birth", field="id_number", birth=birth)
    expected = id_check_char(number[:17])
    if number[17] != expected:
        raise ValidationError("id_check", field="id_number", expected=expected)
    return number


def birth_date(number: str) -> dt.date:
    return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def mask_id_number(number: str) -> str:
    """430223********123X: area code and the last four stay, the birth date is hidden."""
    if len(number) < 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) == 11 else phone


_PHONE = re.compile(r"^1\d{10}$")


def validate_phone(text: str, required: bool = False) -> str:
    phone = text.strip().replace(" ", "").replace("-", "")
    if not phone and not required:
        return ""
    if not _PHONE.match(phone):
        raise ValidationError("phone", field="phone")
    return phone


def validate_name(text: str) -> str:
    name = text.strip()
    if not 1 <= len(name) <= 20:
        raise ValidationError("name", field="name")
    return name


def pinyin_initials(name: str) -> str:
    """张桂英 → zgy. Non-Chinese characters are kept lowercased; polyphones take the common reading."""
    parts = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")
    return "".join(p[:1] for p in parts if p).lower()


def pinyin_full(name: str) -> str:
    return "".join(lazy_pinyin(name)).lower()


def make_id_number(area: str, born: dt.date, seq: int) -> str:
    """Build a valid ID number (for demo data and tests)."""
    first17 = f"{area}{born:%Y%m%d}{seq % 1000:03d}"
    return first17 + id_check_char(first17)
