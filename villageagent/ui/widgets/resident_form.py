"""The resident fields (name, ID number, phone, group, address), checked as they are typed.

- The ID number is checked on every keystroke with the domain's own rules; the message sits
  beside the field: how many characters are still missing, which rule fails, or the birth date
  read from a valid number.
- ``show_error`` places a service's ``ValidationError`` beside the field it names.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QGridLayout, QLabel, QLineEdit, QWidget

from villageagent.domain.errors import ValidationError
from villageagent.domain.identity import birth_date, normalize_id_number, validate_id_number, validate_name, validate_phone
from villageagent.services import clock
from villageagent.ui import i18n
from villageagent.ui.widgets.common import FieldMessage


class ResidentForm(QWidget):
    validity_did_change = Signal(bool)

    def __init__(self, groups: list[str], parent: QWidget | None = None):
        super().__init__(parent)
        self.name = QLineEdit(self)
        self.name.setObjectName("residentName")
        self.name.setMaxLength(20)
        self.id_number = QLineEdit(self)
        self.id_number.setObjectName("residentIdNumber")
        self.id_number.setMaxLength(20)
        self.id_number.setPlaceholderText(self.tr("18位居民身份证号"))
        self.phone = QLineEdit(self)
        self.phone.setObjectName("residentPhone")
        self.phone.setMaxLength(13)
        self.phone.setPlaceholderText(self.tr("11位手机号，可不填"))
        self.group = QComboBox(self)
        self.group.addItem(self.tr("（未选）"), "")
        for g in groups:
            self.group.addItem(g, g)
        self.address = QLineEdit(self)
        self.address.setMaxLength(100)
        self.messages = {k: FieldMessage(self) for k in ("name", "id_number", "phone", "group", "address")}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setColumnStretch(1, 3)
        grid.setColumnStretch(2, 2)
        rows = (("name", self.tr("姓名"), self.name), ("id_number", self.tr("身份证号"), self.id_number),
                ("phone", self.tr("手机号"), self.phone), ("group", self.tr("村民小组"), self.group),
                ("address", self.tr("住址"), self.address))
        for r, (key, label, widget) in enumerate(rows):
            grid.addWidget(QLabel(label + "：", self), r, 0)
            grid.addWidget(widget, r, 1)
            grid.addWidget(self.messages[key], r, 2)
        self.id_number.textChanged.connect(self._on_id_did_change)
        self.phone.textChanged.connect(self._on_phone_did_change)
        self.name.textChanged.connect(lambda _t: self.messages["name"].clear_message())
        self._on_id_did_change("")

    # --- live checks ---------------------------------------------------------------------
    def _on_id_did_change(self, text: str) -> None:
        msg = self.messages["id_number"]
        number = normalize_id_number(text)
        if not number:
            msg.hint(self.tr("输入时会自动核对"))
        elif not number[:17].isdigit() or (len(number) >= 18 and not (number[17].isdigit() or number[17] == "X")):
            msg.error(ValidationError("id_chars").message(i18n.current_language()))
        elif len(number) > 18:
            msg.error(ValidationError("id_length", length=len(number)).message(i18n.current_language()))
        elif len(number) < 18:
            msg.hint(self.tr("已输入%1位，还差%2位").replace("%1", str(len(number))).replace("%2", str(18 - len(number))))
        else:
            try:
                valid = validate_id_number(number, today=clock.today())
            except ValidationError as exc:
                msg.error(exc.message(i18n.current_language()))
            else:
                born = birth_date(valid)
                msg.ok(self.tr("✓ 号码有效，出生日期 %1").replace("%1", born.isoformat()))
        self.validity_did_change.emit(self.is_valid())

    def _on_phone_did_change(self, text: str) -> None:
        msg = self.messages["phone"]
        digits = text.strip().replace(" ", "").replace("-", "")
        if not digits:
            msg.clear_message()
        elif len(digits) < 11 and digits.isdigit() and digits.startswith("1"):
            msg.hint(self.tr("还差%n位", "", 11 - len(digits)))
        else:
            try:
                validate_phone(digits)
                msg.ok("✓")
            except ValidationError as exc:
                msg.error(exc.message(i18n.current_language()))
        self.validity_did_change.emit(self.is_valid())

    def is_valid(self) -> bool:
        try:
            validate_name(self.name.text())
            validate_id_number(self.id_number.text(), today=clock.today())
            validate_phone(self.phone.text())
        except ValidationError:
            return False
        return True

    def check(self) -> bool:
        """Run every check and show each error beside its field."""
        ok = True
        for key, fn in (("name", validate_name), ("id_number", lambda v: validate_id_number(v, today=clock.today())),
                        ("phone", validate_phone)):
            widget = {"name": self.name, "id_number": self.id_number, "phone": self.phone}[key]
            try:
                fn(widget.text())
            except ValidationError as exc:
                self.messages[key].error(exc.message(i18n.current_language()))
                ok = False
        return ok

    def show_error(self, exc: ValidationError) -> bool:
        """Put a service's error beside its field; False when no field matches."""
        msg = self.messages.get(exc.field)
        if msg is None:
            return False
        msg.error(exc.message(i18n.current_language()))
        return True

    def values(self) -> dict[str, Any]:
        return {"name": self.name.text().strip(), "id_number": normalize_id_number(self.id_number.text()),
                "phone": self.phone.text().strip(), "group": self.group.currentData() or "",
                "address": self.address.text().strip()}

    def set_values(self, resident: dict[str, Any]) -> None:
        self.name.setText(resident.get("name", ""))
        self.id_number.setText(resident.get("id_number", ""))
        self.phone.setText(resident.get("phone", ""))
        group = resident.get("grp", resident.get("group", ""))
        index = self.group.findData(group)
        if index < 0 and group:
            self.group.addItem(group, group)
            index = self.group.count() - 1
        self.group.setCurrentIndex(max(0, index))
        self.address.setText(resident.get("address", ""))


__all__ = ["ResidentForm", "QFormLayout"]
