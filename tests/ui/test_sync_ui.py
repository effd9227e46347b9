"""The desktop side of sync (issue 4): enroll dialog, status bar, refused records, sync on demand,
USB export — against the real township server on loopback."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.usefixtures("village_home")


class FakeClient:
    """Answers like the township would (used where a live server adds nothing)."""

    requests_made = 0
    encoding = "zstd"

    def __init__(self, refuse: set[str] | None = None):
        self.refuse = refuse or set()

    def connect_ahead(self, executor):
        pass

    def enroll(self, code, **_):
        from sync.client import SyncError

        if code != "ABCD-EFGH":
            raise SyncError("code_invalid", "登记码不对，请核对乡镇给的登记码。", retryable=False)
        return {"v": 1, "token": "t" * 40}

    def exchange(self, msg, encoding=None):
        from sync import protocol as p

        if isinstance(msg, bytes):
            msg = p.decompress(msg)
        FakeClient.requests_made += 1
        self.requests_made = FakeClient.requests_made
        batch = msg.get("batch")
        ack = None
        if batch:
            events = p.decode_events(batch["events"])
            refused = [{"id": e["id"], "code": "wrong_village", "message": "这条记录属于别的村"}
                       for e in events if e["entity"] in self.refuse]
            ack = {"batch": batch["id"], "stored": len(events) - len(refused), "duplicates": 0, "refused": refused}
        return {"v": 1, "ack": ack, "events": {"n": 0}, "cursor": 0, "more": False, "check": self.check}

    check = None

    def ping(self):
        return True

    def ids(self):
        return []

    def report(self, *_):
        return None

    def close(self):
        return None


@pytest.fixture
def controller(ctx):
    from villageagent.ui.sync_controller import SyncController

    fake = FakeClient(refuse={"resident"})
    c = SyncController(ctx, client_factory=lambda conn: fake, auto=False)
    ctx._sync_controller = c
    yield c
    c.shutdown()


def test_status_bar_says_not_enrolled_and_menu_is_filled(window, controller):
    from villageagent.ui.widgets.sync_status import SyncStatusWidget

    widget = SyncStatusWidget(window.ctx, window, controller)
    assert widget.label.text() == "同步：未登记"
    texts = [a.text() for a in window.sync_menu.actions()]
    assert "立即同步" in texts and "登记到乡镇…" in texts and "被乡镇拒收的记录…" in texts
    assert not widget.sync_action.isEnabled()


def test_enroll_dialog_refuses_bad_code_then_enrolls(qtbot, window, controller, store):
    from villageagent.ui.dialogs.enroll_dialog import EnrollDialog
    from villageagent.storage import sync_state

    dialog = EnrollDialog(window.ctx, controller, window)
    qtbot.addWidget(dialog)
    dialog.url_edit.setText("http://127.0.0.1:9")
    dialog.code_edit.setText("ABC")
    dialog.submit()
    assert dialog.error_label.isVisibleTo(dialog) and "8个字母" in dialog.error_label.text()
    dialog.code_edit.setText("WXYZ-WXYZ")
    dialog.submit()
    assert "登记码不对" in dialog.error_label.text()
    dialog.url_edit.setText("villageagent:enroll?url=http%3A%2F%2F127.0.0.1%3A9&code=ABCD-EFGH")
    assert dialog.code_edit.text() == "ABCD-EFGH" and dialog.url_edit.text() == "http://127.0.0.1:9"
    dialog.submit()
    from PySide6.QtWidgets import QDialog

    assert dialog.result() == QDialog.DialogCode.Accepted
    assert sync_state.connection(store).enrolled


def test_sync_shows_result_and_refused_records_with_reason(qtbot, window, controller, store, monkeypatch):
    from villageagent.services.residents import register_resident
    from villageagent.storage import sync_state
    from villageagent.ui.widgets.sync_status import RefusedRecordsDialog, SyncStatusWidget

    with store.atomic():
        sync_state.save_connection(store, sync_state.Connection("http://127.0.0.1:9", "t" * 40, "", "LTA01"))
    import datetime as dt

    from villageagent.domain.identity import make_id_number

    register_resident(store, name="张桂英", id_number=make_id_number("430223", dt.date(1950, 1, 1), 1))
    widget = SyncStatusWidget(window.ctx, window, controller)
    controller.refresh_status()
    assert "待上传 1 条" in widget.label.text()
    with qtbot.waitSignal(controller.sync_did_finish, timeout=5000):
        controller.sync_now()
    assert "被拒收 1 条" in widget.label.text() and "拒收" in widget.last_message
    dialog = RefusedRecordsDialog(controller, window)
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 1 and dialog.table.item(0, 2).text() == "这条记录属于别的村"
    # Switched to English, the reason is said by its code, not in the township's Chinese.
    monkeypatch.setenv("VILLAGEAGENT_LANG", "en")
    dialog._fill(dialog.rows)
    assert dialog.table.item(0, 2).text().startswith("This record belongs to another village")
    monkeypatch.setenv("VILLAGEAGENT_LANG", "zh")
    dialog._retry()
    assert sync_state.count_waiting(store) == 1 and dialog.table.rowCount() == 0
