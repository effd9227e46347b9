"""Settings: the village's names and groups, the cadre, the printer and the language.

- The village code and this laptop's device code are shown but not edited here: errand numbers
  are built from them, and the township issues them.
- Choosing a language applies at once (the window rebuilds its screens in it).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit, QPushButton, QVBoxLayout,
    QWidget,
)

from villageagent import paths
from villageagent.domain.errors import ValidationError
from villageagent.domain.identity import validate_phone
from villageagent.services import village as village_service
from villageagent.storage.events import Changes
from villageagent.storage.settings import VillageSettings
from villageagent.ui import i18n, printing
from villageagent.ui.context import AppContext
from villageagent.ui.widgets.common import FieldMessage


def save_settings(db: Any, values: dict[str, Any]) -> tuple[VillageSettings, Changes]:
    settings = village_service.update_settings(db, **values)
    changes = Changes()
    changes.add("settings", "village")
    return settings, changes


class SettingsScreen(QWidget):
    language_was_chosen = Signal(str)
    settings_did_save = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        s = ctx.settings
        self.code = QLabel(f"<b>{s.village_code}</b>", self)
        self.device = QLabel(s.device_code or "—", self)
        self.village_name = QLineEdit(s.village_name, self)
        self.village_name.setMaxLength(30)
        self.township = QLineEdit(s.township_name, self)
        self.cadre = QLineEdit(s.cadre_name, self)
        self.cadre.setMaxLength(20)
        self.phone = QLineEdit(s.contact_phone, self)
        self.phone_message = FieldMessage(self)
        self.groups = QPlainTextEdit("\n".join(s.groups), self)
        self.groups.setObjectName("groups")
        self.groups.setFixedHeight(120)
        self.printer = QComboBox(self)
        self.printer.addItem(self.tr("每次打印时选择"), "")
        for name in printing.printer_names():
            self.printer.addItem(name, name)
        if s.printer and self.printer.findData(s.printer) < 0:
            self.printer.addItem(s.printer + self.tr("（未连接）"), s.printer)
        self.printer.setCurrentIndex(max(0, self.printer.findData(s.printer)))
        self.language = QComboBox(self)
        self.language.setObjectName("language")
        self.language.addItem(self.tr("跟随系统"), "")
        self.language.addItem("中文", "zh")
        self.language.addItem("English", "en")
        self.language.setCurrentIndex(max(0, self.language.findData(s.language)))

        village = QGroupBox(self.tr("本村"), self)
        vf = QFormLayout(village)
        vf.addRow(self.tr("村代码："), self.code)
        vf.addRow(self.tr("本机编号："), self.device)
        vf.addRow(self.tr("村名："), self.village_name)
        vf.addRow(self.tr("所属乡镇："), self.township)
        vf.addRow(self.tr("村民小组（每行一个）："), self.groups)
        person = QGroupBox(self.tr("代办员与打印"), self)
        pf = QFormLayout(person)
        pf.addRow(self.tr("代办员姓名："), self.cadre)
        phone_row = QHBoxLayout()
        phone_row.addWidget(self.phone)
        phone_row.addWidget(self.phone_message, 1)
        pf.addRow(self.tr("代办点电话："), phone_row)
        pf.addRow(self.tr("回执打印机："), self.printer)
        pf.addRow(self.tr("界面语言："), self.language)
        pf.addRow(self.tr("数据目录："), QLabel(str(paths.home()), self))
        self.message = FieldMessage(self)
        self.save_button = QPushButton(self.tr("保存设置"), self)
        self.save_button.setObjectName("saveSettings")
        self.save_button.setDefault(True)
        bottom = QHBoxLayout()
        bottom.addWidget(self.message, 1)
        bottom.addWidget(self.save_button)
        columns = QHBoxLayout()
        columns.addWidget(village, 1)
        columns.addWidget(person, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(columns)
        layout.addLayout(bottom)
        layout.addStretch(1)
        self.save_button.clicked.connect(self.save)

    def save(self) -> None:
        phone = self.phone.text().strip()
        if phone and not phone.startswith("0"):
            # A landline (0731...) is fine for a service point; a mobile must be a real one.
            try:
                validate_phone(phone)
            except ValidationError as exc:
                self.phone_message.error(exc.message(i18n.current_language()))
                return
        self.phone_message.clear_message()
        name = self.village_name.text().strip()
        if not name:
            self.message.error(self.tr("请填写村名。"))
            return
        values = {"village_name": name, "township_name": self.township.text().strip(),
                  "cadre_name": self.cadre.text().strip(), "contact_phone": phone,
                  "groups": self.groups.toPlainText().splitlines(), "printer": self.printer.currentData() or "",
                  "language": self.language.currentData() or ""}
        self.ctx.tasks.write(lambda db: save_settings(db, values), self._on_saved,
                             lambda exc: self.message.error(i18n.error_text(exc)))

    def _on_saved(self, settings: VillageSettings) -> None:
        self.ctx.settings = settings
        self.ctx.settings_did_change.emit(settings)
        self.message.ok(self.tr("已保存。"))
        self.settings_did_save.emit()
        wanted = i18n.choose_language(settings.language) if settings.language else i18n.current_language()
        if settings.language and settings.language != i18n.current_language():
            wanted = settings.language
        if wanted != i18n.current_language():
            self.language_was_chosen.emit(wanted)
