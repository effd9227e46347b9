"""The one module that knows folders.

- The data folder is the platform's user data dir (platformdirs), or ``VILLAGEAGENT_HOME``.
- Resources ship beside the package, in the repository's ``resources/`` folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "VillageAgent"


def home() -> Path:
    override = os.environ.get("VILLAGEAGENT_HOME")
    path = Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_path() -> Path:
    return home() / "village.db"


def backups_dir() -> Path:
    path = home() / "backups"
    path.mkdir(parents=True, exist_ok=True)
    return path


def resources_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "resources"


def catalog_path() -> Path:
    return resources_dir() / "catalog" / "catalog.json"
