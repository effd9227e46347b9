"""Fixtures for the Qt tests: a village in a temporary data folder, the window on an inline runner.

- Jobs run synchronously (``InlineTaskRunner``) so a test reads results right after an action;
  the threaded runner has its own test with ``waitSignal``.
- The shared ``qapp`` from pytest-qt; never our own QApplication.
"""

from __future__ import annotations

import pytest

from villageagent.ui import i18n
from villageagent.ui.context import set_quiet, shown_errors


@pytest.fixture
def village_home(home, fixed_today):
    """A configured village (LTA01, 枫林村) in ``VILLAGEAGENT_HOME``; returns the database path."""
    from villageagent import paths
    from villageagent.services.backups import open_village_db
    from villageagent.services.village import setup_village

    db = open_village_db()
    setup_village(db, code="LTA01", name="枫林村", township="莲塘坳镇", cadre_name="李春燕",
                  contact_phone="13907331234", device_id="dev0test0001", device_code="K7Q")
    db.close()
    return paths.database_path()


@pytest.fixture
def store(village_home):
    """A connection of the test's own, for arranging data and checking what the UI saved."""
    from villageagent.storage.db import open_connection

    db = open_connection(village_home)
    yield db
    db.close()


@pytest.fixture
def ctx(qapp, village_home):
    from villageagent.services.village import get_settings
    from villageagent.storage.db import open_connection
    from villageagent.ui.context import AppContext
    from villageagent.ui.tasks import InlineTaskRunner

    i18n.install(qapp, "zh")
    set_quiet(True)
    shown_errors.clear()
    db = open_connection(village_home)
    settings = get_settings(db)
    db.close()
    context = AppContext(InlineTaskRunner(village_home), settings)
    yield context
    context.tasks.shutdown()
    i18n.install(qapp, "zh")


@pytest.fixture
def window(qtbot, ctx):
    from villageagent.ui.main_window import MainWindow

    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    yield win
    win.shutdown()  # the sync controller's lane too, or Qt aborts on a running QThread at exit


def _type_text(widget, text: str) -> None:
    """Type ``text`` key by key (Chinese too: keyClicks with Chinese aborts Qt, see DEVELOPERS.md)."""
    from PySide6.QtCore import QEvent, Qt
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication

    widget.setFocus()
    for ch in text:
        QApplication.sendEvent(widget, QKeyEvent(QEvent.KeyPress, 0, Qt.NoModifier, ch))
        QApplication.sendEvent(widget, QKeyEvent(QEvent.KeyRelease, 0, Qt.NoModifier, ch))


@pytest.fixture
def type_text():
    return _type_text


@pytest.fixture
def add_resident(store):
    """Register a resident through the service; returns its row."""
    import datetime as dt

    from villageagent.domain.identity import make_id_number
    from villageagent.services.residents import register_resident

    counter = {"n": 100}

    def make(name: str, born: dt.date = dt.date(1958, 3, 2), phone: str = "") -> dict:
        counter["n"] += 1
        resident, _ = register_resident(store, name=name, id_number=make_id_number("430223", born, counter["n"]),
                                        phone=phone, group="第3组")
        return resident

    return make
