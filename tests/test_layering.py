"""STYLE.md layering rule 1: the core never imports Qt (checked in a clean interpreter)."""

import subprocess
import sys


def test_core_imports_no_pyside6():
    code = (
        "import sys, pkgutil, importlib\n"
        "import villageagent.domain, villageagent.storage, villageagent.services, sync\n"
        "for pkg in (villageagent.domain, villageagent.storage, villageagent.services, sync):\n"
        "    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "        if m.name.startswith('sync.township'):\n"
        "            continue\n"
        "        importlib.import_module(m.name)\n"
        "bad = [m for m in sys.modules if m.startswith('PySide6') or m.startswith('shiboken')]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_sync_never_imports_villageagent():
    code = (
        "import sys, pkgutil, importlib, sync\n"
        "for m in pkgutil.walk_packages(sync.__path__, 'sync.'):\n"
        "    if m.name.startswith('sync.township'):\n"
        "        continue\n"
        "    importlib.import_module(m.name)\n"
        "print(','.join(m for m in sys.modules if m.startswith('villageagent')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_no_source_file_breaks_the_layers():
    """A text check too, so that sync.township (which needs Django settings to import) is covered."""
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parent.parent
    qt = re.compile(r"^\s*(from|import)\s+(PySide6|shiboken6)", re.M)
    va = re.compile(r"^\s*(from|import)\s+villageagent", re.M)
    for folder in ("villageagent/domain", "villageagent/storage", "villageagent/services", "sync"):
        for path in (root / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            assert not qt.search(text), path
            if folder == "sync":
                assert not va.search(text), path
