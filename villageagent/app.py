"""The desktop app's entry: QApplication, translators, storage, the main window. Nothing else."""

from __future__ import annotations

import sys
import threading
from typing import Any

from PySide6.QtGui import QFont, QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from villageagent import paths


def make_application(argv: list[str] | None = None) -> QApplication:
    """The one QApplication (reused when it exists, as in tests)."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(argv if argv is not None else sys.argv)
    app.setApplicationName("VillageAgent")
    app.setApplicationDisplayName("村代办")
    app.setOrganizationName("VillageAgent")
    font = QFont()
    # Windows has YaHei, Linux desktops WenQuanYi; Qt falls back per glyph for the rest.
    font.setFamilies(["Microsoft YaHei UI", "Microsoft YaHei", "WenQuanYi Micro Hei", "Noto Sans CJK SC", "sans-serif"])
    font.setPointSize(10)
    app.setFont(font)
    icon = paths.resources_dir() / "icons" / "villageagent.svg"
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    return app


def open_storage() -> Any:
    """The checked, migrated database (with its daily backup), or a VillageError."""
    from villageagent.services.backups import open_village_db

    return open_village_db()


def build_window(db_path: Any, settings: Any, *, inline: bool = False) -> Any:
    """The main window on a task runner for ``db_path`` (``inline`` runs jobs synchronously)."""
    from villageagent.ui.context import AppContext
    from villageagent.ui.main_window import MainWindow
    from villageagent.ui.tasks import InlineTaskRunner, TaskRunner

    tasks = InlineTaskRunner(db_path) if inline else TaskRunner(db_path)
    ctx = AppContext(tasks, settings)
    window = MainWindow(ctx)
    return window


def start(argv: list[str] | None = None) -> tuple[QApplication, Any, int | None]:
    """Everything ``run`` does before the event loop: (app, window, None), or (app, None, exit code)."""
    from villageagent.domain.errors import VillageError
    from villageagent.services.village import get_settings
    from villageagent.ui import i18n

    # Opening storage checks the whole file (quick_check); SQLite releases the GIL for that, so
    # it runs beside Qt's own start-up instead of after it (~0.4 s less at 100,000 errands).
    opened: dict[str, Any] = {}

    def open_in_background() -> None:
        try:
            db = open_storage()
            try:
                opened["settings"] = get_settings(db)
            finally:
                db.close()  # a connection belongs to its thread
        except BaseException as exc:  # noqa: BLE001 - shown to the cadre below
            opened["error"] = exc

    opener = threading.Thread(target=open_in_background, name="villageagent-open")
    opener.start()
    app = make_application(argv)
    opener.join()
    if "error" in opened:
        exc = opened["error"]
        if not isinstance(exc, VillageError):
            raise exc
        i18n.install(app, i18n.choose_language())
        if not recover(exc):
            return app, None, 2
        opened.clear()
        open_in_background()
        if "error" in opened:
            QMessageBox.critical(None, "村代办", i18n.error_text(opened["error"]))
            return app, None, 2
    settings = opened["settings"]
    i18n.install(app, i18n.choose_language(settings.language))
    if not settings.configured:
        from villageagent.storage.db import open_connection
        from villageagent.ui.dialogs.setup_dialog import SetupDialog

        db = open_connection(paths.database_path())
        try:
            if SetupDialog(db).exec() != SetupDialog.DialogCode.Accepted:
                return app, None, 0
            settings = get_settings(db)
            i18n.install(app, i18n.choose_language(settings.language))
        finally:
            db.close()
    window = build_window(paths.database_path(), settings)
    window.show()
    return app, window, None


def recover(exc: Any) -> bool:
    """A database that will not open: offer the ways back; True when one was taken."""
    from villageagent.services.backups import latest_backup
    from villageagent.ui.dialogs.recovery_dialog import QUIT, RecoveryDialog

    dialog = RecoveryDialog(exc, latest_backup() if exc.kind == "database_corrupt" else None)
    dialog.exec()
    return dialog.choice != QUIT


def run(argv: list[str] | None = None) -> int:
    """Open the app; returns the exit code."""
    app, window, stopped = start(argv)
    if window is None:
        return int(stopped or 0)
    code = app.exec()
    window.shutdown()
    return int(code)
