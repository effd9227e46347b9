"""The window: a list of screens on the left, the chosen screen on the right, menus, status bar.

- A thin shell: each screen is its own module and is built the first time it is shown, so the
  window opens quickly on a large village.
- The "同步" menu is left empty for the sync controller to fill (``sync_menu``).
- On a language switch the screens are rebuilt, so every text is retranslated.
"""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QMainWindow, QMenu, QStackedWidget, QWidget,
)

from villageagent.storage.events import Changes
from villageagent.ui.context import AppContext
from villageagent.ui.widgets.sync_status import SyncStatusWidget

SCREENS = ("errands", "residents", "orders", "rosters", "logs", "summary", "settings")


class MainWindow(QMainWindow):
    screen_did_change = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.screens: dict[str, QWidget] = {}
        self.sync_menu: QMenu | None = None
        self.resize(1280, 720)
        self.setMinimumSize(QSize(1000, 620))
        ctx.data_did_change.connect(self._on_data_did_change)
        ctx.settings_did_change.connect(lambda _s: self._update_title())
        self._build()

    # --- building ------------------------------------------------------------------------
    def _labels(self) -> dict[str, str]:
        return {"errands": self.tr("代办事项"), "residents": self.tr("村民"), "orders": self.tr("农资代购"),
                "rosters": self.tr("补贴发放"), "logs": self.tr("咨询调解记录"), "summary": self.tr("月度汇总"),
                "settings": self.tr("设置")}

    def _factories(self) -> dict[str, Callable[[], QWidget]]:
        from villageagent.ui.screens import errands, logs, orders, residents, rosters, settings, summary

        def make_errands() -> QWidget:
            screen = errands.ErrandsScreen(self.ctx)
            screen.model.rows_did_load.connect(self._on_first_rows)
            screen.errand_was_opened.connect(self.open_errand)
            screen.new_errand_was_requested.connect(self.new_errand)
            return screen

        def make_residents() -> QWidget:
            screen = residents.ResidentsScreen(self.ctx)
            screen.errand_was_opened.connect(self.open_errand)
            screen.new_errand_was_requested.connect(self.new_errand)
            return screen

        def make_orders() -> QWidget:
            screen = orders.OrdersScreen(self.ctx)
            screen.errand_was_opened.connect(self.open_errand)
            screen.new_errand_was_requested.connect(lambda: self.new_errand(kind="farm_supply"))
            return screen

        def make_rosters() -> QWidget:
            screen = rosters.RostersScreen(self.ctx)
            screen.errand_was_opened.connect(self.open_errand)
            return screen

        def make_settings() -> QWidget:
            screen = settings.SettingsScreen(self.ctx)
            screen.language_was_chosen.connect(self.switch_language)
            return screen

        return {"errands": make_errands, "residents": make_residents, "orders": make_orders,
                "rosters": make_rosters, "logs": lambda: logs.LogsScreen(self.ctx),
                "summary": lambda: summary.SummaryScreen(self.ctx), "settings": make_settings}

    def _build(self) -> None:
        self.screens.clear()
        self.nav = QListWidget(self)
        self.nav.setObjectName("nav")
        self.nav.setFixedWidth(132)
        self.nav.setSpacing(2)
        self.nav.setStyleSheet(
            "QListWidget#nav { background: #f3f5f7; border: none; font-size: 11pt; }"
            "QListWidget#nav::item { padding: 9px 8px; border-radius: 4px; }"
            "QListWidget#nav::item:selected { background: #1f6feb; color: white; }")
        for key, label in self._labels().items():
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, key)
            self.nav.addItem(item)
        # Wide enough for the longest label in the current language ("Monthly summary").
        font = self.nav.font()
        font.setPointSizeF(11)
        from PySide6.QtGui import QFontMetrics

        widest = max(QFontMetrics(font).horizontalAdvance(label) for label in self._labels().values())
        self.nav.setFixedWidth(max(132, widest + 40))
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.stack = QStackedWidget(self)
        central = QWidget(self)
        layout = QHBoxLayout(central)
        layout.setContentsMargins(4, 4, 4, 0)
        layout.addWidget(self.nav)
        layout.addWidget(self.stack, 1)
        old = self.centralWidget()
        self.setCentralWidget(central)
        if old is not None:
            old.deleteLater()
        self.nav.currentRowChanged.connect(lambda row: self.show_screen(SCREENS[row]))
        self._build_menus()
        self._build_status_bar()
        self._update_title()
        self.nav.setCurrentRow(0)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        bar.clear()
        work = bar.addMenu(self.tr("事项(&E)"))
        self.new_action = QAction(self.tr("新建事项…"), self)
        self.new_action.setShortcut(QKeySequence.StandardKey.New)
        self.new_action.triggered.connect(lambda: self.new_errand())
        self.find_action = QAction(self.tr("查找"), self)
        self.find_action.setShortcut(QKeySequence.StandardKey.Find)
        self.find_action.triggered.connect(self.focus_search)
        quit_action = QAction(self.tr("退出"), self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        work.addAction(self.new_action)
        work.addAction(self.find_action)
        work.addSeparator()
        work.addAction(quit_action)
        go = bar.addMenu(self.tr("查看(&V)"))
        for i, (key, label) in enumerate(self._labels().items()):
            action = QAction(label, self)
            action.setShortcut(QKeySequence(f"Ctrl+{i + 1}"))
            action.triggered.connect(lambda _=False, k=key: self.show_screen(k))
            go.addAction(action)
        # Filled by the sync controller (issue 4); until then it only says what is missing.
        self.sync_menu = bar.addMenu(self.tr("同步(&S)"))
        placeholder = QAction(self.tr("尚未在乡镇登记"), self)
        placeholder.setEnabled(False)
        self.sync_menu.addAction(placeholder)
        help_menu = bar.addMenu(self.tr("帮助(&H)"))
        about = QAction(self.tr("关于村代办"), self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        for attr in ("deadline_label", "sync_status"):
            old = getattr(self, attr, None)
            setattr(self, attr, None)
            if old is not None:
                status.removeWidget(old)
                old.deleteLater()
        self.deadline_label = QLabel(self)
        self.deadline_label.setObjectName("deadlines")
        self.deadline_label.setCursor(Qt.CursorShape.PointingHandCursor)
        self.deadline_label.setToolTip(self.tr("点击查看超期的事项"))
        self.deadline_label.mousePressEvent = lambda _e: self.show_overdue()  # type: ignore[method-assign]
        status.addWidget(self.deadline_label)
        self.sync_status: SyncStatusWidget | None = None
        self._refresh_deadlines()
        from villageagent.ui.tasks import InlineTaskRunner

        if isinstance(self.ctx.tasks, InlineTaskRunner):
            self._attach_sync_status()
        else:
            # The sync area starts its own lane and database work; it waits until the list has
            # shown its first page (measured: started together, it delayed that page by 2.5 s).
            QTimer.singleShot(2500, self._attach_sync_status)

    def _on_first_rows(self) -> None:
        if self.sync_status is None:
            QTimer.singleShot(300, self._attach_sync_status)

    def _attach_sync_status(self) -> None:
        if self.sync_status is not None:
            return
        self.sync_status = SyncStatusWidget(self.ctx, self)
        self.statusBar().addPermanentWidget(self.sync_status)

    def _update_title(self) -> None:
        s = self.ctx.settings
        self.setWindowTitle(self.tr("村代办") + (f" — {s.township_name}{s.village_name}" if s.village_name else ""))

    # --- navigation ----------------------------------------------------------------------
    def screen_widget(self, key: str) -> QWidget:
        """The screen ``key``, built the first time it is asked for (not QWidget.screen())."""
        if key not in self.screens:
            widget = self._factories()[key]()
            widget.setObjectName(f"screen_{key}")
            self.screens[key] = widget
            self.stack.addWidget(widget)
        return self.screens[key]

    def show_screen(self, key: str) -> QWidget:
        widget = self.screen_widget(key)
        self.stack.setCurrentWidget(widget)
        row = SCREENS.index(key)
        if self.nav.currentRow() != row:
            self.nav.blockSignals(True)
            self.nav.setCurrentRow(row)
            self.nav.blockSignals(False)
        self.screen_did_change.emit(key)
        return widget

    def show_overdue(self) -> None:
        """The errand list with only the overdue errands, the most urgent first."""
        screen = self.show_screen("errands")
        screen.due_soon.setChecked(False)  # type: ignore[attr-defined]
        screen.overdue.setChecked(True)  # type: ignore[attr-defined]

    def focus_search(self) -> None:
        screen = self.show_screen("errands")
        screen.focus_search()  # type: ignore[attr-defined]

    # --- dialogs -------------------------------------------------------------------------
    def new_errand(self, kind: str | None = None, resident_id: str | None = None) -> Any:
        from villageagent.ui.dialogs.new_errand import NewErrandDialog

        dialog = NewErrandDialog(self.ctx, self, kind=kind, resident_id=resident_id)
        dialog.errand_was_saved.connect(self._on_errand_was_saved)
        dialog.open()
        return dialog

    def _on_errand_was_saved(self, errand: dict[str, Any], print_receipt: bool) -> None:
        screen = self.screens.get("errands")
        if screen is not None:
            screen.clear_search() if hasattr(screen, "clear_search") else None
        if print_receipt:
            self.show_receipt(errand["id"])

    def open_errand(self, errand_id: str) -> Any:
        from villageagent.ui.dialogs.errand_detail import ErrandDetailDialog

        dialog = ErrandDetailDialog(self.ctx, errand_id, self)
        # The receipt opens over the detail dialog (its parent), so neither blocks the other.
        dialog.receipt_was_requested.connect(lambda eid: self.show_receipt(eid, parent=dialog))
        dialog.open()
        return dialog

    def show_receipt(self, errand_id: str, parent: QWidget | None = None) -> Any:
        from villageagent.ui.dialogs.receipt_dialog import ReceiptDialog

        dialog = ReceiptDialog(self.ctx, errand_id, parent or self)
        dialog.open()
        return dialog

    def _about(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.about(self, self.tr("关于村代办"), self.tr(
            "村代办 VillageAgent\n村级代办点的事项登记、回执打印、补贴发放和农资代购台账。"))

    # --- data and language ---------------------------------------------------------------
    def _on_data_did_change(self, changes: Changes) -> None:
        if changes.touched("errand"):
            self._refresh_deadlines()

    def _refresh_deadlines(self) -> None:
        from villageagent.services import clock
        from villageagent.storage import queries

        today = clock.today()

        def count(db: Any) -> tuple[int, int]:
            return (queries.count_errands(db, queries.ErrandFilter(overdue=True), today=today),
                    queries.count_errands(db, queries.ErrandFilter(due_soon=True), today=today))

        self.ctx.tasks.read(count, self._show_deadlines)

    def _show_deadlines(self, counts: tuple[int, int]) -> None:
        late, soon = counts
        text = self.tr("超期 %1 件，2天内到期 %2 件").replace("%1", str(late)).replace("%2", str(soon))
        self.deadline_label.setText(text)
        self.deadline_label.setStyleSheet("color: #b3261e; font-weight: bold;" if late else "")

    def switch_language(self, language: str) -> None:
        """Install the translators of ``language`` and rebuild every screen in it."""
        from PySide6.QtWidgets import QApplication

        from villageagent.ui import i18n

        app = QApplication.instance()
        assert app is not None
        i18n.install(app, language)
        current = SCREENS[max(0, self.nav.currentRow())]
        self._build()
        self.show_screen(current)
        self.ctx.language_did_change.emit(language)

    def shutdown(self) -> None:
        """Stop the background lanes (and the sync controller's) before the process exits."""
        controller = getattr(getattr(self, "sync_status", None), "controller", None)
        if controller is not None and hasattr(controller, "shutdown"):
            controller.shutdown()
        self.ctx.tasks.shutdown()
