"""Command-line parts of the desktop app: ``villageagent screenshot DIR``.

- Renders each main screen with the current data (``VILLAGEAGENT_HOME``) to PNG files,
  offscreen, at a laptop's 1366x768 by default; the README's pictures come from here.
- Jobs run synchronously (inline runner) so every picture shows loaded data.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

SHOTS = ("list", "new-errand", "detail", "residents", "orders", "rosters", "summary", "settings", "logs", "receipt")


def register(subparsers: argparse._SubParsersAction) -> None:
    from villageagent.domain.errors import language

    zh = language() != "en"
    p = subparsers.add_parser("screenshot", help="把每个主要界面截图成PNG（无需显示器）" if zh else
                              "render each main screen to PNG files, offscreen")
    p.add_argument("dir", help="保存截图的文件夹" if zh else "folder for the PNG files")
    p.add_argument("--size", default="1366x768", help="窗口大小，默认 1366x768" if zh else "window size, default 1366x768")
    p.add_argument("--lang", choices=("zh", "en"), default=None, help="界面语言" if zh else "language of the screens")
    p.set_defaults(handler=_screenshot)


def _pick_detail_errand(db: Any) -> str | None:
    """An errand whose detail shows the most: a returned certificate, else any with several steps."""
    from villageagent.storage import queries

    for f in (queries.ErrandFilter(kind="certificate", status="returned"),
              queries.ErrandFilter(kind="certificate", status="ready"),
              queries.ErrandFilter()):
        rows = queries.list_errands(db, f, limit=1)
        if rows:
            return rows[0]["id"]
    return None


def take_screenshots(folder: Path, size: tuple[int, int] = (1366, 768), lang: str | None = None) -> list[Path]:
    """Render the screens to ``folder``; returns the files written (needs a QApplication)."""
    from PySide6.QtWidgets import QApplication

    from villageagent import paths
    from villageagent.app import build_window
    from villageagent.domain.errors import VillageError
    from villageagent.services.backups import open_village_db
    from villageagent.services.village import get_settings
    from villageagent.storage import queries
    from villageagent.ui import i18n
    from villageagent.ui.context import set_quiet

    app = QApplication.instance()
    assert app is not None, "take_screenshots needs a QApplication"
    db = open_village_db()
    try:
        settings = get_settings(db)
        if not settings.configured:
            raise VillageError("village_not_set")
        detail_id = _pick_detail_errand(db)
        listed = queries.list_residents(db, "", limit=1)
        resident = listed[0] if listed else None
    finally:
        db.close()
    i18n.install(app, lang or i18n.choose_language(settings.language))
    set_quiet(True)
    folder.mkdir(parents=True, exist_ok=True)
    window = build_window(paths.database_path(), settings, inline=True)
    window.resize(*size)
    window.show()
    written: list[Path] = []

    def save(widget: Any, name: str) -> None:
        app.processEvents()
        path = folder / f"{name}.png"
        widget.grab().save(str(path))
        written.append(path)

    window.show_screen("errands")
    save(window, "list")
    for key, name in (("residents", "residents"), ("orders", "orders"), ("rosters", "rosters"),
                      ("summary", "summary"), ("settings", "settings"), ("logs", "logs")):
        window.show_screen(key)
        save(window, name)
    window.show_screen("errands")
    dialog = window.new_errand()
    dialog.search_delay_ms = 0
    if resident is not None:
        from villageagent.domain.identity import pinyin_initials

        dialog.resident_search.setText(pinyin_initials(resident["name"]))
    code = next((c["code"] for c in dialog.catalog if c["kind"] == "certificate"), None)
    if code:
        dialog.choose_item(code)
        for i in range(max(0, dialog.materials.count() - 1)):
            from PySide6.QtCore import Qt

            dialog.materials.item(i).setCheckState(Qt.CheckState.Checked)
    save(dialog, "new-errand")
    dialog.reject()
    if detail_id:
        detail = window.open_errand(detail_id)
        save(detail, "detail")
        detail.reject()
        receipt = window.show_receipt(detail_id)
        save(receipt, "receipt")
        receipt.reject()
    window.shutdown()
    window.close()
    return written


def _screenshot(args: argparse.Namespace) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from villageagent.app import make_application
    from villageagent.domain.errors import language

    try:
        width, height = (int(v) for v in args.size.lower().split("x"))
    except ValueError:
        print("--size 应写成 宽x高，例如 1366x768" if language() != "en" else "--size is WIDTHxHEIGHT, e.g. 1366x768",
              file=sys.stderr)
        return 2
    make_application([sys.argv[0]])
    files = take_screenshots(Path(args.dir), (width, height), args.lang)
    for f in files:
        print(f)
    return 0
