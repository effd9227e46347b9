"""Residents: find one (same search as the errand list), see their errands, edit with the same checks."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSplitter, QTableView,
    QVBoxLayout, QWidget,
)

from villageagent.domain.identity import mask_id_number, mask_phone
from villageagent.storage import queries
from villageagent.storage.events import Changes
from villageagent.ui.context import AppContext
from villageagent.ui.models.errands import ErrandIdRole, ErrandTableModel
from villageagent.ui.models.residents import ResidentRole, ResidentTableModel
from villageagent.ui.widgets.common import setup_table


class ResidentsScreen(QWidget):
    errand_was_opened = Signal(str)
    new_errand_was_requested = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.current: dict[str, Any] | None = None
        self.model = ResidentTableModel(ctx.tasks, self)
        self.errands = ErrandTableModel(ctx.tasks, self)

        self.search = QLineEdit(self)
        self.search.setObjectName("residentSearch")
        self.search.setPlaceholderText(self.tr("姓名、拼音首字母、身份证后几位或手机号"))
        self.search.setClearButtonEnabled(True)
        self.group = QComboBox(self)
        self.group.addItem(self.tr("全部小组"), None)
        for g in ctx.settings.groups:
            self.group.addItem(g, g)
        self.add_button = QPushButton(self.tr("登记新村民"), self)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.group)
        top.addWidget(self.add_button)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        setup_table(self.table, [80, 150, 110, 60, 50], stretch=1)
        left = QWidget(self)
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addLayout(top)
        ll.addWidget(self.table, 1)

        self.card = QGroupBox(self.tr("村民信息"), self)
        form = QFormLayout(self.card)
        self.card_fields = {k: QLabel(self) for k in ("name", "id", "phone", "group", "address")}
        for key, label in (("name", self.tr("姓名")), ("id", self.tr("身份证号")), ("phone", self.tr("手机号")),
                           ("group", self.tr("村民小组")), ("address", self.tr("住址"))):
            self.card_fields[key].setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(label + "：", self.card_fields[key])
        self.edit_button = QPushButton(self.tr("修改"), self)
        self.new_errand_button = QPushButton(self.tr("为他/她新建事项"), self)
        row = QHBoxLayout()
        row.addWidget(self.edit_button)
        row.addWidget(self.new_errand_button)
        row.addStretch(1)
        form.addRow(row)
        self.errand_table = QTableView(self)
        self.errand_table.setModel(self.errands)
        setup_table(self.errand_table, [150, 0, 0, 170, 80, 100, 96, 80], stretch=3)
        for col in (1, 2):
            self.errand_table.setColumnHidden(col, True)
        right = QWidget(self)
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.card)
        rl.addWidget(QLabel(self.tr("这位村民的事项（双击打开）："), self))
        rl.addWidget(self.errand_table, 1)

        split = QSplitter(self)
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([480, 620])
        layout = QVBoxLayout(self)
        layout.addWidget(split)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(180)
        self._timer.timeout.connect(self.apply_filter)
        self.search.textChanged.connect(lambda _t: self._timer.start())
        self.group.currentIndexChanged.connect(lambda _i: self.apply_filter())
        self.table.selectionModel().currentRowChanged.connect(self._on_row)
        self.model.rows_did_load.connect(self._on_rows_did_load)
        self.errand_table.doubleClicked.connect(
            lambda index: self.errand_was_opened.emit(self.errands.data(index, ErrandIdRole)))
        self.add_button.clicked.connect(lambda: self.edit_resident(None))
        self.edit_button.clicked.connect(lambda: self.edit_resident(self.current))
        self.new_errand_button.clicked.connect(self._new_errand)
        ctx.data_did_change.connect(self._on_data_did_change)
        self._show(None)
        self.apply_filter()

    def apply_filter(self) -> None:
        self.model.set_query(self.search.text(), self.group.currentData())

    def _on_rows_did_load(self) -> None:
        if self.model.rowCount():
            self.table.selectRow(0)
        else:
            self._show(None)

    def _on_row(self, current: QModelIndex, _prev: QModelIndex) -> None:
        self._show(self.model.data(self.model.index(current.row(), 0), ResidentRole) if current.isValid() else None)

    def _show(self, resident: dict[str, Any] | None) -> None:
        self.current = resident
        f = self.card_fields
        if resident is None:
            for label in f.values():
                label.setText("—")
            self.errands.set_filter(queries.ErrandFilter(resident_id="-"))
        else:
            f["name"].setText(f"<b>{resident['name']}</b>")
            f["id"].setText(mask_id_number(resident["id_number"]))
            f["phone"].setText(mask_phone(resident["phone"] or "") or "—")
            f["group"].setText(resident["grp"] or "—")
            f["address"].setText(resident["address"] or "—")
            self.errands.set_filter(queries.ErrandFilter(resident_id=resident["id"]))
        self.edit_button.setEnabled(resident is not None)
        self.new_errand_button.setEnabled(resident is not None)

    def edit_resident(self, resident: dict[str, Any] | None) -> Any:
        from villageagent.ui.dialogs.resident_dialog import ResidentDialog

        dialog = ResidentDialog(self.ctx, resident, self)
        dialog.open()
        return dialog

    def _new_errand(self) -> None:
        window = self.window()
        if self.current is not None and hasattr(window, "new_errand"):
            window.new_errand(resident_id=self.current["id"])
        else:
            self.new_errand_was_requested.emit()

    def _on_data_did_change(self, changes: Changes) -> None:
        if changes.touched("resident"):
            self.model.on_data_did_change(changes)
        elif changes.touched("errand"):
            self.errands.on_data_did_change(changes)
