import datetime as dt

import pytest

from villageagent.domain.errors import ValidationError
from villageagent.domain.identity import (
    id_check_char, make_id_number, mask_id_number, pinyin_initials, validate_id_number, validate_name,
    validate_phone,
)

GOOD = make_id_number("430223", dt.date(1958, 4, 12), 123)


def test_valid_id_number_is_normalized():
    lower = GOOD[:-1] + GOOD[-1].lower()
    assert validate_id_number(" " + lower + " ") == GOOD


def test_known_check_character_with_x():
    # 11010519491231002X is the standard's published example.
    assert id_check_char("11010519491231002") == "X"
    assert validate_id_number("11010519491231002x") == "11010519491231002X"


@pytest.mark.parametrize("text,kind", [
    ("43022319580412", "id_length"),
    ("4302231958041212345", "id_length"),
    ("43022319580412A23X", "id_chars"),
    ("430223195802301234", "id_birth"),
    ("430223209901011234", "id_birth"),
])
def test_bad_id_numbers_name_what_is_wrong(text, kind):
    with pytest.raises(ValidationError) as err:
        validate_id_number(text, today=dt.date(2026, 1, 1))
    assert err.value.kind == kind
    assert err.value.field == "id_number"


def test_wrong_check_digit_says_which_is_expected():
    wrong = GOOD[:-1] + ("0" if GOOD[-1] != "0" else "1")
    with pytest.raises(ValidationError) as err:
        validate_id_number(wrong)
    assert err.value.kind == "id_check"
    assert GOOD[-1] in err.value.message("zh")
    assert "校验码" in err.value.message("zh")


def test_mask_keeps_area_and_last_four():
    assert mask_id_number("43022319580412123X") == "430223********123X"


@pytest.mark.parametrize("phone", ["13907331234", "139 0733 1234", "139-0733-1234"])
def test_phone_accepts_common_spellings(phone):
    assert validate_phone(phone) == "13907331234"


@pytest.mark.parametrize("phone", ["23907331234", "1390733123", "139073312345", "1390733123a"])
def test_bad_phone_refused(phone):
    with pytest.raises(ValidationError) as err:
        validate_phone(phone)
    assert err.value.kind == "phone"


def test_phone_optional_but_required_when_asked():
    assert validate_phone("") == ""
    with pytest.raises(ValidationError):
        validate_phone("", required=True)


def test_pinyin_initials():
    assert pinyin_initials("张桂英") == "zgy"
    assert pinyin_initials("李春燕") == "lcy"


def test_name_limits():
    assert validate_name(" 王强 ") == "王强"
    with pytest.raises(ValidationError):
        validate_name("  ")
    with pytest.raises(ValidationError):
        validate_name("名" * 21)


def test_messages_exist_in_both_languages():
    err = ValidationError("id_length", field="id_number", length=5)
    assert "18位" in err.message("zh") and "5" in err.message("zh")
    assert "18 characters" in err.message("en")
