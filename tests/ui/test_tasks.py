"""The threaded task runner: jobs run off the UI thread, results and errors come back as signals."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from villageagent.domain.errors import VillageError
from villageagent.domain.identity import make_id_number
from villageagent.services.residents import register_resident
from villageagent.storage import queries
from villageagent.ui.tasks import TaskRunner

GOOD_ID = make_id_number("430223", dt.date(1958, 3, 2), 5)


@pytest.fixture
def runner(qapp, village_home):
    tasks = TaskRunner(village_home)
    yield tasks
    tasks.shutdown()


def test_reads_run_off_the_ui_thread_and_answer_on_it(runner, qtbot):
    seen: dict = {}

    def job(db):
        seen["thread"] = threading.current_thread()
        return queries.count_errands(db)

    results: list = []
    runner.read(job, lambda n: results.append((n, threading.current_thread())))
    qtbot.waitUntil(lambda: bool(results), timeout=5000)
    assert results[0][0] == 0
    assert results[0][1] is threading.main_thread()
    assert seen["thread"] is not threading.main_thread()


def test_a_write_broadcasts_what_changed_then_answers(runner, qtbot):
    answers: list = []
    with qtbot.waitSignal(runner.data_did_change, timeout=5000) as blocker:
        runner.write(lambda db: register_resident(db, name="孙立新", id_number=GOOD_ID),
                     answers.append)
    assert blocker.args[0].touched("resident")
    qtbot.waitUntil(lambda: bool(answers), timeout=5000)
    assert answers[0]["name"] == "孙立新"


def test_a_users_mistake_comes_back_as_the_typed_error(runner, qtbot):
    errors: list = []
    runner.write(lambda db: register_resident(db, name="孙立新", id_number="123"), None, errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert isinstance(errors[0], VillageError) and errors[0].kind == "id_length"
    assert "18位" in errors[0].message("zh")


def test_unhandled_errors_reach_the_app_signal(runner, qtbot):
    with qtbot.waitSignal(runner.job_did_fail, timeout=5000) as blocker:
        runner.read(lambda db: 1 / 0)
    assert isinstance(blocker.args[0], ZeroDivisionError)


def test_an_answer_for_a_closed_dialog_is_dropped(runner, qtbot):
    from PySide6.QtWidgets import QLabel

    import shiboken6

    label = QLabel()
    done: list = []
    runner.read(lambda db: 1, lambda n: (label.setText(str(n)), done.append(n)))
    shiboken6.delete(label)  # closed before the answer arrives
    qtbot.waitUntil(lambda: not runner.busy(), timeout=5000)
    assert done == []  # the callback hit a deleted widget and was dropped, not raised
