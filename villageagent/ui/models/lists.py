"""A table model over a bounded list of rows (one order round, one roster, a month's logs).

- Only for lists that are bounded by nature (a few thousand rows at most); the errand and
  resident lists, which are not, use the paged models.
"""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

RowRole = Qt.ItemDataRole.UserRole + 1

Column = tuple[str, Callable[[dict[str, Any]], Any]]


class ListTableModel(QAbstractTableModel):
    def __init__(self, columns: list[Column], parent: Any = None,
                 colour: Callable[[dict[str, Any]], tuple[Any, Any] | None] | None = None,
                 right_aligned: tuple[int, ...] = ()):
        super().__init__(parent)
        self._columns = columns
        self._rows: list[dict[str, Any]] = []
        self._colour = colour
        self._right = right_aligned

    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[dict[str, Any]]:
        return list(self._rows)

    def row_at(self, row: int) -> dict[str, Any] | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._columns[section][0]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            value = self._columns[index.column()][1](row)
            return "" if value is None else str(value)
        if role == RowRole:
            return row
        if role in (Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole) and self._colour is not None:
            pair = self._colour(row)
            if pair:
                return pair[0] if role == Qt.ItemDataRole.BackgroundRole else pair[1]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in self._right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
