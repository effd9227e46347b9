"""Resident ID numbers (居民身份证号) for the console: the ISO 7064 MOD 11-2 check and masking.

- ``sync`` never imports ``villageagent``, so the rule is written here again (18 characters,
  birth date in characters 7-14, last character the check digit, possibly ``X``).
"""

from __future__ import annotations

import datetime as dt

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def check_char(first17: str) -> str:
    """The MOD 11-2 check character of the first 17 digits."""
    return _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS)) % 11]


def id_number_problem(text: str, today: dt.date | None = None) -> str | None:
    """``None`` when the number is valid, otherwise a plain Chinese sentence saying what is wrong."""
    number = normalize(text)
    if len(number) != 18:
        return f"身份证号应为18位，这里是{len(number)}位。"
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        return "身份证号前17位应为数字，最后一位是数字或X。"
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return f"身份证号里的出生日期{number[6:14]}不存在。"
    if born.year < 1890 or born > (today or dt.date.today()):
        return f"身份证号里的出生日期{number[6:14]}不对。"
    if number[17] != check_char(number[:17]):
        return "身份证号校验位不对，请核对是否抄错。"
    return None


def normalize(text: str) -> str:
    return str(text or "").strip().replace(" ", "").upper()


def mask(number: str) -> str:
    """430223********123X: the birth date hidden (PIPL)."""
    if len(number) < 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]
