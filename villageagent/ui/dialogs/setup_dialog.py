"""First start on a new laptop: which village this is, or a demo village to try the app on."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication, QDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget,
)

from villageagent.domain.errors import ValidationError, VillageError
from villageagent.ui import i18n
from villageagent.ui.widgets.common import FieldMessage, heading


class SetupDialog(QDialog):
    """Runs the setup services directly: the main window and its threads do not exist yet."""

    def __init__(self, db: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self.setWindowTitle(self.tr("欢迎使用村代办"))
        self.code = QLineEdit(self)
        self.code.setPlaceholderText(self.tr("乡镇给的村代码，例如 LTA01"))
        self.name = QLineEdit(self)
        self.name.setPlaceholderText(self.tr("例如 枫林村"))
        self.township = QLineEdit(self)
        self.township.setPlaceholderText(self.tr("例如 莲塘坳镇"))
        self.cadre = QLineEdit(self)
        self.phone = QLineEdit(self)
        self.message = FieldMessage(self)
        form = QFormLayout()
        form.addRow(self.tr("村代码："), self.code)
        form.addRow(self.tr("村名："), self.name)
        form.addRow(self.tr("所属乡镇："), self.township)
        form.addRow(self.tr("代办员姓名："), self.cadre)
        form.addRow(self.tr("代办点电话："), self.phone)
        intro = QLabel(self.tr("第一次使用，请填写本村信息。只想先看看？点“打开演示村”，会建一个有示例数据的枫林村。"), self)
        intro.setWordWrap(True)
        self.demo_button = QPushButton(self.tr("打开演示村"), self)
        save = QPushButton(self.tr("保存并开始"), self)
        save.setDefault(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.demo_button)
        buttons.addStretch(1)
        buttons.addWidget(save)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(self.tr("村代办 · 首次设置"), self))
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.resize(520, 360)
        save.clicked.connect(self.save)
        self.demo_button.clicked.connect(self.make_demo)

    def save(self) -> None:
        from villageagent.services.village import setup_village

        try:
            setup_village(self.db, code=self.code.text(), name=self.name.text(), township=self.township.text(),
                          cadre_name=self.cadre.text(), contact_phone=self.phone.text())
        except (ValidationError, VillageError) as exc:
            self.message.error(i18n.error_text(exc))
            return
        self.accept()

    def make_demo(self) -> None:
        from villageagent.services.demo import build_demo

        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            build_demo(self.db, errands=300)
        except VillageError as exc:
            self.message.error(i18n.error_text(exc))
            return
        finally:
            QApplication.restoreOverrideCursor()
        self.accept()
