"""``villageagent screenshot DIR`` writes a PNG per main screen."""

from __future__ import annotations

from PySide6.QtGui import QImage

from villageagent.ui.cli import take_screenshots


def test_screenshots_of_every_main_screen(qapp, home, fixed_today, tmp_path):
    from villageagent.services.backups import open_village_db
    from villageagent.services.demo import build_demo

    db = open_village_db()
    build_demo(db, errands=60)
    db.close()
    files = take_screenshots(tmp_path / "shots", (1366, 768), "zh")
    names = {f.stem for f in files}
    assert {"list", "new-errand", "detail", "residents", "orders", "rosters", "summary", "settings"} <= names
    for f in files:
        image = QImage(str(f))
        assert not image.isNull() and image.width() >= 600 and image.height() >= 400, f
    main = QImage(str(tmp_path / "shots" / "list.png"))
    assert (main.width(), main.height()) == (1366, 768)
