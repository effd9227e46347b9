"""When the village database cannot be opened: say so plainly and offer the ways back.

- A damaged file (``database_corrupt``): restore the latest backup, or start again empty and
  download the village from the township (set up, then enroll with a new code).
- Other errors (a newer program's data, a failed upgrade): the message and a way out only.
- The damaged file is never deleted: its bytes are kept in the backups folder.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from villageagent.domain.errors import VillageError
from villageagent.ui import i18n

RESTORED, START_FRESH, QUIT = 1, 2, 0


class RecoveryDialog(QDialog):
    """Shows why the data could not be opened; ``choice`` is RESTORED, START_FRESH or QUIT."""

    def __init__(self, error: VillageError, latest: Path | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("村代办：数据打不开"))
        self.choice = QUIT
        self.latest = latest
        self.restore_error = ""
        layout = QVBoxLayout(self)
        message = QLabel(i18n.error_text(error))
        message.setWordWrap(True)
        message.setObjectName("recoveryMessage")
        layout.addWidget(message)
        buttons = QHBoxLayout()
        self.restore_button = QPushButton()
        self.fresh_button = QPushButton(self.tr("从乡镇重新下载本村数据"))
        self.quit_button = QPushButton(self.tr("退出"))
        if error.kind == "database_corrupt":
            if latest is not None:
                stamp = latest.name.removeprefix("village-")[:13]
                day = f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]} {stamp[9:11]}:{stamp[11:13]}"
                self.restore_button.setText(self.tr("从最近的备份恢复（%1）").replace("%1", day))
                buttons.addWidget(self.restore_button)
            hint = QLabel(self.tr(
                "从乡镇下载：程序会先把损坏的文件另存到备份文件夹，然后重新设置本村，"
                "再用乡镇给的登记码登记本机，同步后本村已上报的事项都会回来。"
                "从备份恢复：备份之后新记的、还没同步的内容只保存在另存的损坏文件里。"))
            hint.setWordWrap(True)
            layout.addWidget(hint)
            buttons.addWidget(self.fresh_button)
        buttons.addStretch(1)
        buttons.addWidget(self.quit_button)
        layout.addLayout(buttons)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.restore_button.clicked.connect(self._on_restore_clicked)
        self.fresh_button.clicked.connect(self._on_fresh_clicked)
        self.quit_button.clicked.connect(self.reject)
        self.resize(560, 220)

    def _on_restore_clicked(self) -> None:
        from villageagent.services.backups import restore

        assert self.latest is not None
        try:
            restore(self.latest)
        except VillageError as exc:
            self.status.setText(i18n.error_text(exc))
            return
        self.choice = RESTORED
        self.accept()

    def _on_fresh_clicked(self) -> None:
        from villageagent.services.backups import start_fresh

        start_fresh()
        self.choice = START_FRESH
        self.accept()
