"""Consultations, disputes, residents' concerns: quick entry at the top, the month's list below."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QTableView, QVBoxLayout, QWidget,
)

from villageagent.domain.errand import LOG_TYPES
from villageagent.domain.errors import ValidationError
from villageagent.services import logs as log_service
from villageagent.storage import queries
from villageagent.storage.events import Changes
from villageagent.ui import i18n
from villageagent.ui.context import AppContext
from villageagent.ui.models.lists import ListTableModel
from villageagent.ui.widgets.common import FieldMessage, month_combo, setup_table


class LogsScreen(QWidget):
    logs_did_load = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.type = QComboBox(self)
        for t in LOG_TYPES:
            self.type.addItem(i18n.log_type_label(t), t)
        self.summary = QLineEdit(self)
        self.summary.setObjectName("logSummary")
        self.summary.setMaxLength(500)
        self.summary.setPlaceholderText(self.tr("事由，例如：咨询耕地地力保护补贴发放时间"))
        self.outcome = QLineEdit(self)
        self.outcome.setMaxLength(500)
        self.outcome.setPlaceholderText(self.tr("结果，例如：已解答、已调解成功、已上报乡镇"))
        self.add_button = QPushButton(self.tr("记下"), self)
        self.add_button.setDefault(True)
        self.message = FieldMessage(self)
        entry = QGroupBox(self.tr("快速记录（回车保存）"), self)
        el = QHBoxLayout(entry)
        el.addWidget(self.type)
        el.addWidget(self.summary, 3)
        el.addWidget(self.outcome, 2)
        el.addWidget(self.add_button)

        # All months by default: the newest logs first, whatever month they fell in.
        self.month = month_combo(self, with_all=True)
        self.filter_type = QComboBox(self)
        self.filter_type.addItem(self.tr("全部类型"), None)
        for t in LOG_TYPES:
            self.filter_type.addItem(i18n.log_type_label(t), t)
        self.counts = QLabel(self)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(self.tr("月份："), self))
        bar.addWidget(self.month)
        bar.addWidget(self.filter_type)
        bar.addStretch(1)
        bar.addWidget(self.counts)
        self.model = ListTableModel([
            (self.tr("日期"), lambda r: r["date"]),
            (self.tr("类型"), lambda r: i18n.log_type_label(r["type"])),
            (self.tr("村民"), lambda r: r.get("resident_name") or ""),
            (self.tr("事由"), lambda r: r["summary"]),
            (self.tr("结果"), lambda r: r["outcome"]),
        ], self)
        self.table = QTableView(self)
        self.table.setObjectName("logTable")
        self.table.setModel(self.model)
        setup_table(self.table, [96, 80, 70, 420, 200], stretch=3)
        layout = QVBoxLayout(self)
        layout.addWidget(entry)
        layout.addWidget(self.message)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        self.add_button.clicked.connect(self.add)
        self.summary.returnPressed.connect(self.add)
        self.outcome.returnPressed.connect(self.add)
        self.month.currentIndexChanged.connect(lambda _i: self.reload())
        self.filter_type.currentIndexChanged.connect(lambda _i: self.reload())
        ctx.data_did_change.connect(self._on_data_did_change)
        self.reload()

    def reload(self) -> None:
        month, type_ = self.month.currentData(), self.filter_type.currentData()
        self.ctx.tasks.read(lambda db: queries.list_logs(db, month=month, type_=type_, limit=2000), self._on_loaded)

    def _on_loaded(self, rows: list[dict[str, Any]]) -> None:
        self.model.set_rows(rows)
        by_type: dict[str, int] = {}
        for r in rows:
            by_type[r["type"]] = by_type.get(r["type"], 0) + 1
        self.counts.setText("，".join(f"{i18n.log_type_label(t)} {n}" for t, n in sorted(by_type.items())))
        self.logs_did_load.emit()

    def add(self) -> None:
        summary, outcome, type_ = self.summary.text(), self.outcome.text(), self.type.currentData()
        if not summary.strip():
            self.message.error(self.tr("请先写事由。"))
            self.summary.setFocus()
            return
        self.ctx.tasks.write(lambda db: log_service.add_log(db, type_=type_, summary=summary, outcome=outcome),
                             self._on_added, self._on_error)

    def _on_added(self, _log_id: str) -> None:
        self.summary.clear()
        self.outcome.clear()
        self.message.ok(self.tr("已记下。"))
        self.summary.setFocus()

    def _on_error(self, exc: BaseException) -> None:
        self.message.error(i18n.error_text(exc) if not isinstance(exc, ValidationError) else exc.message(i18n.current_language()))

    def _on_data_did_change(self, changes: Changes) -> None:
        if changes.touched("log"):
            self.reload()
