"""Residents as a paged table model (keyset pages by pinyin initials and name)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from villageagent.domain.identity import mask_id_number, mask_phone
from villageagent.storage import queries
from villageagent.storage.events import Changes

PAGE = 100
ResidentRole = Qt.ItemDataRole.UserRole + 1


class ResidentTableModel(QAbstractTableModel):
    rows_did_load = Signal()

    def __init__(self, tasks: Any, parent: Any = None):
        super().__init__(parent)
        self._tasks = tasks
        self._text = ""
        self._group: str | None = None
        self._rows: list[dict[str, Any]] = []
        self._complete = True
        self._loading = False
        self._generation = 0

    def set_query(self, text: str, group: str | None = None) -> None:
        self._text, self._group = text.strip(), group
        self.reload()

    def reload(self) -> None:
        self._generation += 1
        gen, text, group = self._generation, self._text, self._group
        self._loading = True
        self._tasks.read(lambda db: queries.resident_page(db, text, group=group, limit=PAGE),
                         lambda rows: self._on_first(gen, rows))

    def _on_first(self, gen: int, rows: list[dict[str, Any]]) -> None:
        if gen != self._generation:
            return
        self.beginResetModel()
        self._rows = rows
        self._complete = len(rows) < PAGE
        self._loading = False
        self.endResetModel()
        self.rows_did_load.emit()

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> bool:
        return not parent.isValid() and not self._complete and not self._loading

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> None:
        if parent.isValid() or self._complete or self._loading or not self._rows:
            return
        self._loading = True
        last = self._rows[-1]
        after = (last["initials"], last["name"], last["id"])
        gen, text, group = self._generation, self._text, self._group
        self._tasks.read(lambda db: queries.resident_page(db, text, group=group, after=after, limit=PAGE),
                         lambda rows: self._on_more(gen, rows))

    def _on_more(self, gen: int, rows: list[dict[str, Any]]) -> None:
        if gen != self._generation:
            return
        self._loading = False
        self._complete = len(rows) < PAGE
        if rows:
            start = len(self._rows)
            self.beginInsertRows(QModelIndex(), start, start + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()

    def on_data_did_change(self, changes: Changes) -> None:
        if changes.touched("resident") or changes.touched("errand"):
            self.reload()

    def row_at(self, row: int) -> dict[str, Any] | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else 5

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        return (self.tr("姓名"), self.tr("身份证号"), self.tr("手机号"), self.tr("小组"), self.tr("事项"))[section]

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (r["name"], mask_id_number(r["id_number"]), mask_phone(r["phone"] or ""), r["grp"],
                    str(r.get("errand_count", "")))[index.column()]
        if role == ResidentRole:
            return r
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 4:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
