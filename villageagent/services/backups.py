"""Backups of the village database, and putting one back."""

from __future__ import annotations

from pathlib import Path

from villageagent import paths
from villageagent.storage import db as storage_db


def open_village_db(path: Path | None = None):
    """Open the live database with backups on (before migrations, once a day)."""
    return storage_db.open_db(path or paths.database_path(), backups=paths.backups_dir())


def backup(db, folder: Path | None = None) -> Path:
    return storage_db.backup_now(db, folder or paths.backups_dir(), reason="manual")


def restore(source: Path, db_path: Path | None = None, folder: Path | None = None) -> Path:
    """Check ``source``, back up the current state, then put ``source`` in place."""
    return storage_db.restore(db_path or paths.database_path(), Path(source), folder or paths.backups_dir())


def list_backups(folder: Path | None = None) -> list[Path]:
    return storage_db.list_backups(folder or paths.backups_dir())


def latest_backup(folder: Path | None = None) -> Path | None:
    """The newest backup that is a readable VillageAgent database, or None."""
    for candidate in reversed(list_backups(folder)):
        try:
            storage_db.check_file(candidate)
        except Exception:  # noqa: BLE001 - a damaged backup is skipped, the next one tried
            continue
        return candidate
    return None


def start_fresh(db_path: Path | None = None, folder: Path | None = None) -> Path | None:
    """Set a damaged database aside (kept in the backups folder) so the app starts empty; the
    village is then set up again and enrolled, and sync brings its records back from the township."""
    return storage_db.set_aside(db_path or paths.database_path(), folder or paths.backups_dir())
