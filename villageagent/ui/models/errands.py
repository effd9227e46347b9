"""The errand list as a paged table model: rows come from indexed queries, a page at a time.

- Never holds more rows than the cadre has scrolled through; no proxy filter over Python rows
  (a 100,000-row QSortFilterProxyModel costs seconds per keystroke).
- Each change of filter bumps a generation; answers to an older generation are dropped, so a
  slow answer for "z" never overwrites the faster answer for "zgy".
- The first page is shown as soon as it arrives; the total count follows in a second query.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from PySide6.QtCore import QCoreApplication as Q
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor

from villageagent.domain.calendar import DUE_SOON_DAYS
from villageagent.domain.identity import mask_id_number
from villageagent.services import clock
from villageagent.storage import queries
from villageagent.storage.events import Changes
from villageagent.ui import i18n

PAGE = 100
ErrandIdRole = Qt.ItemDataRole.UserRole + 1
UrgencyRole = Qt.ItemDataRole.UserRole + 2

OVERDUE_BG = QColor("#fbd5d2")
OVERDUE_FG = QColor("#8a1c12")
SOON_BG = QColor("#ffefc2")
SOON_FG = QColor("#6b4a00")


def urgency(row: dict[str, Any], today: dt.date) -> tuple[str, int | None]:
    """('overdue'|'soon'|'open'|'closed', days left)."""
    if row["closed"]:
        return "closed", None
    try:
        left = (dt.date.fromisoformat(row["promised_date"]) - today).days
    except ValueError:
        return "open", None
    if left < 0:
        return "overdue", left
    if left <= DUE_SOON_DAYS:
        return "soon", left
    return "open", left


def days_left_text(state: str, left: int | None) -> str:
    if left is None:
        return "—"
    if state == "overdue":
        # English counts one day apart ("1 day overdue"); lupdate takes no plural forms from
        # translate() outside a widget, so the one-day texts are entries of their own.
        if left == -1:
            return Q.translate("labels", "超期1天")
        return Q.translate("labels", "超期%1天").replace("%1", str(-left))
    if left == 0:
        return Q.translate("labels", "今天到期")
    if left == 1:
        return Q.translate("labels", "剩1天")
    return Q.translate("labels", "剩%1天").replace("%1", str(left))


class ErrandTableModel(QAbstractTableModel):
    """Errands matching an ``ErrandFilter``, newest first (overdue lists: most urgent first)."""

    total_did_change = Signal(int)
    rows_did_load = Signal()  # the first page of a new filter is in (the bench times this)

    COLUMNS = ("number", "resident", "id", "item", "kind", "status", "promised", "left")

    def __init__(self, tasks: Any, parent: Any = None):
        super().__init__(parent)
        self._tasks = tasks
        self._filter = queries.ErrandFilter()
        self._rows: list[dict[str, Any]] = []
        self._views: dict[int, tuple[tuple[str, ...], str, str]] = {}
        self._total = 0
        self._complete = True
        self._loading = False
        self._generation = 0
        self._today = clock.today()
        from villageagent.ui.tasks import InlineTaskRunner

        # Synchronous runners (tests, screenshots) count at once: there is no typing to wait for.
        self.count_delay_ms = 0 if isinstance(tasks, InlineTaskRunner) else 150

    # --- loading -------------------------------------------------------------------------
    @property
    def filter(self) -> queries.ErrandFilter:
        return self._filter

    @property
    def total(self) -> int:
        return self._total

    def set_filter(self, f: queries.ErrandFilter) -> None:
        self._filter = dataclasses.replace(f)
        self.reload()

    def reload(self, keep: int = 0) -> None:
        """Load the first page again (or as many rows as were shown, up to ``keep``)."""
        self._generation += 1
        gen = self._generation
        f = dataclasses.replace(self._filter)
        self._today = today = clock.today()
        limit = max(PAGE, min(keep, 2000))
        self._loading = True

        def page(db: Any) -> list[dict[str, Any]] | None:
            # Typing "zgy" queues three filters; the first two are stale before they start.
            if gen != self._generation:
                return None
            return queries.errand_page(db, f, today=today, limit=limit)

        self._tasks.read(page, lambda rows: self._on_first_page(gen, rows, limit, f, today))

    def _on_first_page(self, gen: int, rows: list[dict[str, Any]] | None, limit: int,
                       f: queries.ErrandFilter, today: dt.date) -> None:
        if gen != self._generation or rows is None:
            return
        # The count comes after the rows are shown, once typing pauses: the cadre sees results
        # first, and a count never delays the next keystroke's page.
        if len(rows) < limit:
            self._on_count(gen, len(rows))
        else:
            def count() -> None:
                if gen != self._generation:
                    return
                self._tasks.read(
                    lambda db: None if gen != self._generation else queries.count_errands(db, f, today=today),
                    lambda n: self._on_count(gen, n) if n is not None else None)

            if self.count_delay_ms <= 0:
                count()
            else:
                QTimer.singleShot(self.count_delay_ms, self, count)
        self.beginResetModel()
        self._rows = rows
        self._views = {}
        self._complete = len(rows) < limit
        self._loading = False
        self.endResetModel()
        self.rows_did_load.emit()

    def _on_count(self, gen: int, n: int) -> None:
        if gen != self._generation:
            return
        self._total = n
        self.total_did_change.emit(n)

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> bool:
        return not parent.isValid() and not self._complete and not self._loading

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> None:
        if parent.isValid() or self._complete or self._loading or not self._rows:
            return
        self._loading = True
        gen = self._generation
        f = dataclasses.replace(self._filter)
        after = queries.errand_page_key(self._rows[-1], f)
        today = self._today
        self._tasks.read(lambda db: queries.errand_page(db, f, today=today, after=after, limit=PAGE),
                         lambda rows: self._on_more(gen, rows))

    def _on_more(self, gen: int, rows: list[dict[str, Any]]) -> None:
        if gen != self._generation:
            return
        self._loading = False
        if len(rows) < PAGE:
            self._complete = True
        if rows:
            start = len(self._rows)
            self.beginInsertRows(QModelIndex(), start, start + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()

    def on_data_did_change(self, changes: Changes) -> None:
        if changes.touched("errand") or changes.touched("resident"):
            self.reload(keep=len(self._rows))

    # --- Qt model ------------------------------------------------------------------------
    def row_at(self, row: int) -> dict[str, Any] | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def loaded_rows(self) -> list[dict[str, Any]]:
        return list(self._rows)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        return (self.tr("编号"), self.tr("村民"), self.tr("身份证号"), self.tr("事项"), self.tr("类型"),
                self.tr("状态"), self.tr("承诺日期"), self.tr("剩余"))[section]

    def _view_of(self, row: int) -> tuple[tuple[str, ...], str, str]:
        """Display texts, urgency state and tooltip of a row, computed once per load.

        - A paint asks ``data`` ~10 roles per cell; parsing dates and labelling statuses on every
          call made one repaint of the list cost ~100 ms on the project's laptop-class machine.
        """
        cached = self._views.get(row)
        if cached is not None:
            return cached
        r = self._rows[row]
        state, left = urgency(r, self._today)
        texts = (r["number"], r["resident_name"] or "", mask_id_number(r["resident_id_number"] or ""),
                 r["item_name"], i18n.kind_label(r["kind"]), i18n.status_for(r["kind"], r["status"]),
                 r["promised_date"], days_left_text(state, left))
        tip = r["reason"] if r.get("reason") and r["status"] in ("returned", "problem", "cancelled") else ""
        view = (texts, state, tip)
        self._views[row] = view
        return view

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in _ROLES or not index.isValid():
            return None
        row = index.row()
        texts, state, tip = self._view_of(row)
        if role == _DISPLAY:
            return texts[index.column()]
        if role == _BACKGROUND:
            return _BG.get(state)
        if role == _FOREGROUND:
            return _FG.get(state)
        if role == _ALIGN:
            return _CENTER if index.column() >= 6 else None
        if role == _FONT:
            return _bold() if state == "overdue" and index.column() == 7 else None
        if role == _TOOLTIP:
            return tip or None
        if role == ErrandIdRole:
            return self._rows[row]["id"]
        if role == UrgencyRole:
            return state
        return None


_FONTS: dict[str, Any] = {}


def _bold() -> Any:
    # Made on first use: a QFont needs the QGuiApplication, which may not exist at import.
    if "bold" not in _FONTS:
        from PySide6.QtGui import QFont

        font = QFont()
        font.setBold(True)
        _FONTS["bold"] = font
    return _FONTS["bold"]


_DISPLAY, _BACKGROUND, _FOREGROUND = int(Qt.ItemDataRole.DisplayRole), int(Qt.ItemDataRole.BackgroundRole), int(Qt.ItemDataRole.ForegroundRole)
_ALIGN, _FONT, _TOOLTIP = int(Qt.ItemDataRole.TextAlignmentRole), int(Qt.ItemDataRole.FontRole), int(Qt.ItemDataRole.ToolTipRole)
_ROLES = frozenset({_DISPLAY, _BACKGROUND, _FOREGROUND, _ALIGN, _FONT, _TOOLTIP, int(ErrandIdRole), int(UrgencyRole)})
_BG = {"overdue": QBrush(OVERDUE_BG), "soon": QBrush(SOON_BG)}
_FG = {"overdue": QBrush(OVERDUE_FG), "soon": QBrush(SOON_FG), "closed": QBrush(QColor("#6b6b6b"))}
_CENTER = int(Qt.AlignmentFlag.AlignCenter)
