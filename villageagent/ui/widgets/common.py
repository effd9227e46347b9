"""Small widgets shared by screens: an error label that sits beside a field, headings, month lists."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QCoreApplication as Q
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFrame, QLabel, QTableView, QHeaderView, QWidget

from villageagent.services import clock


class FieldMessage(QLabel):
    """The line beside a field: red when the input is wrong, grey for a hint, green when good."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.state = ""
        self.clear_message()

    def error(self, text: str) -> None:
        self.state = "error"
        self.setStyleSheet("color: #b3261e;")
        self.setText(text)

    def hint(self, text: str) -> None:
        self.state = "hint"
        self.setStyleSheet("color: #666666;")
        self.setText(text)

    def ok(self, text: str) -> None:
        self.state = "ok"
        self.setStyleSheet("color: #1e7b34;")
        self.setText(text)

    def clear_message(self) -> None:
        self.state = ""
        self.setText("")


def heading(text: str, parent: QWidget | None = None) -> QLabel:
    label = QLabel(text, parent)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 1.25)
    font.setBold(True)
    label.setFont(font)
    return label


def separator(parent: QWidget | None = None) -> QFrame:
    line = QFrame(parent)
    line.setFrameShape(QFrame.Shape.HLine)
    line.setFrameShadow(QFrame.Shadow.Sunken)
    return line


def recent_months(count: int = 13) -> list[str]:
    """'YYYY-MM' of this month and the ones before it, newest first."""
    today = clock.today()
    year, month = today.year, today.month
    out = []
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return out


def month_combo(parent: QWidget | None = None, with_all: bool = True) -> QComboBox:
    combo = QComboBox(parent)
    if with_all:
        combo.addItem(Q.translate("common", "全部月份"), None)
    for m in recent_months():
        y, mo = m.split("-")
        combo.addItem(Q.translate("common", "%1年%2月").replace("%1", y).replace("%2", str(int(mo))), m)
    return combo


def setup_table(view: QTableView, widths: list[int] | None = None, stretch: int | None = None) -> None:
    """The look every list shares: whole-row selection, no row numbers, readable row height."""
    view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
    view.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(28)
    view.setWordWrap(False)
    view.horizontalHeader().setHighlightSections(False)
    view.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    if widths:
        header = view.horizontalHeader()
        fm = header.fontMetrics()
        model = view.model()
        for i, w in enumerate(widths):
            # Never narrower than the column's title in the current language ("Collected (yuan)").
            title = model.headerData(i, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole) if model is not None else None
            need = fm.horizontalAdvance(str(title)) + 18 if title else 0
            view.setColumnWidth(i, max(w, need) if w else w)
    if stretch is not None:
        view.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)


def today_text() -> str:
    return dt.date.isoformat(clock.today())


def selected_row_ids(view: QTableView, model) -> list[str]:
    """The ids of the rows selected in ``view`` (a table over one of our list models), in row order."""
    rows = {i.row() for i in view.selectionModel().selectedRows()}
    return [model.row_at(r)["id"] for r in sorted(rows)]


def select_rows_by_id(view: QTableView, model, ids: set[str]) -> None:
    """Select (only) the rows whose id is in ``ids``: keeps a selection across a reload."""
    from PySide6.QtCore import QItemSelection, QItemSelectionModel

    selection = QItemSelection()
    last = model.columnCount() - 1
    for row, r in enumerate(model.rows()):
        if r["id"] in ids:
            selection.select(model.index(row, 0), model.index(row, last))
    view.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)


def step_bar(parent: QWidget, label: str, buttons: dict, on_step) -> tuple:
    """A row "label: [step] [step] … message" for marking selected rows; returns (layout, message).

    - ``buttons`` maps a target status to its button; clicking calls ``on_step(target)``.
    """
    from PySide6.QtWidgets import QHBoxLayout

    row = QHBoxLayout()
    row.addWidget(QLabel(label, parent))
    for target, button in buttons.items():
        button.clicked.connect(lambda _=False, t=target: on_step(t))
        row.addWidget(button)
    row.addStretch(1)
    message = QLabel(parent)
    row.addWidget(message)
    return row, message
