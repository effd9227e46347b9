"""First start on a new laptop: the village's details, or the demo village."""

from __future__ import annotations

from villageagent.services.village import get_settings
from villageagent.storage import queries
from villageagent.ui.dialogs.setup_dialog import SetupDialog


def test_setup_refuses_a_bad_code_then_saves(qtbot, db, home, fixed_today):
    dialog = SetupDialog(db)
    qtbot.addWidget(dialog)
    dialog.code.setText("枫林")
    dialog.name.setText("枫林村")
    dialog.save()
    assert "村代码" in dialog.message.text() and not get_settings(db).configured
    dialog.code.setText("LTA02")
    dialog.cadre.setText("李春燕")
    dialog.save()
    settings = get_settings(db)
    assert settings.configured and settings.village_code == "LTA02" and settings.cadre_name == "李春燕"


def test_the_demo_button_builds_the_demo_village(qtbot, db, home, fixed_today):
    dialog = SetupDialog(db)
    qtbot.addWidget(dialog)
    dialog.demo_button.click()
    assert get_settings(db).village_name == "枫林村"
    assert queries.count_errands(db) == 300
