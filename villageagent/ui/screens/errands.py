"""The main screen: every errand, searched as you type, the urgent ones standing out.

- Search runs a moment after the last keystroke (``search_delay_ms``) on the read lane; the
  widget never blocks on the database.
- Keyboard: Ctrl+F search, Esc clears, Enter or a double-click opens, Down moves into the list.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QTableView, QVBoxLayout, QWidget,
)

from sync.workflow import KINDS, WORKFLOWS
from villageagent.storage import queries
from villageagent.storage.events import Changes
from villageagent.ui import i18n
from villageagent.ui.context import AppContext
from villageagent.ui.models.errands import ErrandIdRole, ErrandTableModel, days_left_text
from villageagent.ui.widgets.common import month_combo, setup_table


class ErrandsScreen(QWidget):
    errand_was_opened = Signal(str)
    new_errand_was_requested = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.search_delay_ms = 180
        self.model = ErrandTableModel(ctx.tasks, self)

        self.search = QLineEdit(self)
        self.search.setObjectName("errandSearch")
        self.search.setPlaceholderText(self.tr("搜索：姓名、拼音首字母（如 zgy）、身份证后几位、手机号、编号"))
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(340)
        self.kind = QComboBox(self)
        self.kind.addItem(self.tr("全部类型"), None)
        for k in KINDS:
            self.kind.addItem(i18n.kind_label(k), k)
        self.status = QComboBox(self)
        self.status.setMinimumWidth(130)
        self.overdue = QCheckBox(self.tr("只看超期"), self)
        self.due_soon = QCheckBox(self.tr("2天内到期"), self)
        self.month = month_combo(self)
        self.new_button = QPushButton(self.tr("新建事项"), self)
        self.new_button.setToolTip(self.tr("登记一件新的代办事项（Ctrl+N）"))
        self.new_button.setDefault(False)
        self.new_button.setAutoDefault(False)
        self.new_button.setStyleSheet("font-weight: bold; padding: 4px 14px;")

        top = QHBoxLayout()
        top.addWidget(self.search, 3)
        top.addWidget(self.kind)
        top.addWidget(self.status)
        top.addWidget(self.month)
        top.addWidget(self.overdue)
        top.addWidget(self.due_soon)
        top.addStretch(0)
        top.addWidget(self.new_button)

        self.table = QTableView(self)
        self.table.setObjectName("errandTable")
        self.table.setModel(self.model)
        fm = self.table.fontMetrics()
        kind_w = max(fm.horizontalAdvance(i18n.kind_label(k)) for k in KINDS) + 18
        status_w = max(fm.horizontalAdvance(i18n.status_for(k, st)) for k in KINDS for st in WORKFLOWS[k].states) + 18
        left_w = max(fm.horizontalAdvance(t) for t in (self.tr("剩余"), days_left_text("open", 13),
                                                         days_left_text("overdue", -13))) + 18
        setup_table(self.table, [150, 76, 150, 190, max(80, kind_w), max(110, status_w), 96, max(80, left_w)],
                    stretch=3)

        self.count_label = QLabel(self)
        legend = QLabel(self.tr("<span style='background:#fbd5d2;color:#8a1c12'>&nbsp;超期&nbsp;</span>&nbsp;"
                                "<span style='background:#ffefc2;color:#6b4a00'>&nbsp;2天内到期&nbsp;</span>&nbsp;"
                                "双击或回车打开；Esc 清除搜索"), self)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count_label)
        bottom.addStretch(1)
        bottom.addWidget(legend)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.apply_filter)
        self.search.textChanged.connect(self._on_search_did_change)
        self.search.returnPressed.connect(self._on_search_return)
        self.search.installEventFilter(self)
        self.table.installEventFilter(self)
        for w in (self.kind, self.status, self.month):
            w.currentIndexChanged.connect(self._on_filter_did_change)
        self.kind.currentIndexChanged.connect(self._fill_statuses)
        for box in (self.overdue, self.due_soon):
            box.toggled.connect(self._on_filter_did_change)
        self.table.doubleClicked.connect(lambda index: self.open_row(index.row()))
        self.new_button.clicked.connect(self.new_errand_was_requested)
        self.model.total_did_change.connect(self._on_total_did_change)
        self.model.rows_did_load.connect(self._on_rows_did_load)
        ctx.data_did_change.connect(self._on_data_did_change)
        self._fill_statuses()
        self.apply_filter()

    # --- filters -------------------------------------------------------------------------
    def _fill_statuses(self) -> None:
        kind = self.kind.currentData()
        current = self.status.currentData()
        self.status.blockSignals(True)
        self.status.clear()
        self.status.addItem(self.tr("全部状态"), None)
        seen: list[str] = []
        for k in ([kind] if kind else list(KINDS)):
            for st in WORKFLOWS[k].states:
                if st not in seen:
                    seen.append(st)
                    self.status.addItem(i18n.status_for(k, st) if kind else i18n.status_label(st), st)
        index = self.status.findData(current)
        self.status.setCurrentIndex(max(0, index))
        self.status.blockSignals(False)

    def current_filter(self) -> queries.ErrandFilter:
        return queries.ErrandFilter(
            kind=self.kind.currentData(), status=self.status.currentData(), overdue=self.overdue.isChecked(),
            due_soon=self.due_soon.isChecked(), month=self.month.currentData(), text=self.search.text().strip(),
        )

    def apply_filter(self) -> None:
        self._timer.stop()
        self.model.set_filter(self.current_filter())

    def _on_search_did_change(self, _text: str) -> None:
        if self.search_delay_ms <= 0:
            self.apply_filter()
        else:
            self._timer.start(self.search_delay_ms)

    def _on_filter_did_change(self, *_: Any) -> None:
        self.apply_filter()

    def _on_total_did_change(self, n: int) -> None:
        self.count_label.setText(self.tr("共 %n 件", "", n))

    def _on_rows_did_load(self) -> None:
        if self.model.rowCount() and not self.table.selectionModel().hasSelection():
            self.table.selectRow(0)

    def _on_data_did_change(self, changes: Changes) -> None:
        self.model.on_data_did_change(changes)

    # --- keyboard ------------------------------------------------------------------------
    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _on_search_return(self) -> None:
        self.apply_filter()
        if self.model.rowCount():
            self.table.setFocus()
            self.table.selectRow(0)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress:
            key = event.key()  # type: ignore[attr-defined]
            if key == Qt.Key.Key_Escape and (self.search.text() or watched is self.table):
                self.clear_search()
                return True
            if watched is self.search and key == Qt.Key.Key_Down and self.model.rowCount():
                self.table.setFocus()
                self.table.selectRow(0)
                return True
            if watched is self.table and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.open_row(self.table.currentIndex().row())
                return True
        return super().eventFilter(watched, event)

    def clear_search(self) -> None:
        self.search.clear()
        self.apply_filter()
        self.search.setFocus()

    def open_row(self, row: int) -> None:
        index = self.model.index(row, 0)
        if index.isValid():
            self.errand_was_opened.emit(self.model.data(index, ErrandIdRole))

    def selected_errand_id(self) -> str | None:
        index = self.table.currentIndex()
        return self.model.data(self.model.index(index.row(), 0), ErrandIdRole) if index.isValid() else None
