import datetime as dt

import pytest

from villageagent.domain.calendar import add_working_days, is_due_soon, is_overdue, parse_month
from villageagent.domain.errors import ValidationError
from villageagent.domain.money import format_fen, format_yuan, parse_yuan


@pytest.mark.parametrize("text,fen", [("12", 1200), ("12.5", 1250), ("0.01", 1), ("1,234.56", 123456),
                                      ("165元", 16500), (7, 700)])
def test_parse_yuan(text, fen):
    assert parse_yuan(text) == fen


@pytest.mark.parametrize("text", ["-1", "1.234", "abc", "", "1e3", "0.1.2"])
def test_parse_yuan_refuses(text):
    with pytest.raises(ValidationError) as err:
        parse_yuan(text)
    assert err.value.kind == "money"


def test_money_never_float_noise():
    assert parse_yuan("0.29") == 29  # float(0.29)*100 == 28.999999999999996
    assert format_fen(1) == "0.01" and format_yuan(123456) == "1234.56元"
    assert format_fen(-250) == "-2.50"


def test_working_days_skip_weekends():
    friday = dt.date(2026, 3, 13)
    assert add_working_days(friday, 1) == dt.date(2026, 3, 16)
    assert add_working_days(friday, 5) == dt.date(2026, 3, 20)
    assert add_working_days(dt.date(2026, 3, 14), 1) == dt.date(2026, 3, 16)  # from a Saturday


def test_overdue_and_due_soon():
    today = dt.date(2026, 3, 16)
    assert is_overdue(dt.date(2026, 3, 15), today, closed=False)
    assert not is_overdue(dt.date(2026, 3, 15), today, closed=True)
    assert is_due_soon(dt.date(2026, 3, 18), today, closed=False)
    assert not is_due_soon(dt.date(2026, 3, 19), today, closed=False)


def test_parse_month():
    assert parse_month("2026-12") == (dt.date(2026, 12, 1), dt.date(2027, 1, 1))
    assert parse_month("2026-3") == (dt.date(2026, 3, 1), dt.date(2026, 4, 1))
    for bad in ("2026/03", "2026-13", "March", "26-03", ""):
        with pytest.raises(ValidationError) as err:
            parse_month(bad)
        assert err.value.kind == "month"
