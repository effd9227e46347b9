"""The ID number is checked as it is typed, and the error sits beside the field."""

from __future__ import annotations

import datetime as dt

from villageagent.domain.identity import make_id_number


def _good() -> str:
    return make_id_number("430223", dt.date(1958, 3, 2), 123)


def test_a_mistyped_check_digit_shows_the_check_error_beside_the_field(window, store, type_text):
    dialog = window.new_errand()
    dialog.new_resident_button.click()
    type_text(dialog.form.name, "赵丽娟")
    good = _good()
    wrong_last = "0" if good[-1] != "0" else "1"
    type_text(dialog.form.id_number, good[:10])
    message = dialog.form.messages["id_number"]
    assert message.state == "hint" and "还差8位" in message.text()
    type_text(dialog.form.id_number, good[10:17] + wrong_last)
    assert message.state == "error"
    assert "校验码" in message.text() and f"应为{good[-1]}" in message.text()
    assert message.isVisible()
    # Saving is refused with the same message; nothing is stored.
    dialog.save_only.click()
    assert "村民信息有误" in dialog.message.text()
    assert store.execute("select count(*) from residents").fetchone()[0] == 0


def test_letters_and_impossible_birth_dates_are_named(window, type_text):
    dialog = window.new_errand()
    dialog.new_resident_button.click()
    message = dialog.form.messages["id_number"]
    type_text(dialog.form.id_number, "4302A")
    assert message.state == "error" and "只能是数字" in message.text()
    dialog.form.id_number.clear()
    bad_birth = "43022319581302" + "1234"  # month 13
    type_text(dialog.form.id_number, bad_birth)
    assert message.state == "error" and "出生日期" in message.text()


def test_editing_a_resident_uses_the_same_checks(window, store, add_resident, type_text):
    resident = add_resident("钱多多")
    screen = window.show_screen("residents")
    dialog = screen.edit_resident(resident)
    dialog.form.phone.clear()
    type_text(dialog.form.phone, "2345")
    assert dialog.form.messages["phone"].state == "error"
    dialog.form.phone.clear()
    type_text(dialog.form.phone, "13900001111")
    dialog.save()
    row = store.execute("select phone from residents where id = ?", [resident["id"]]).fetchone()
    assert row[0] == "13900001111"
