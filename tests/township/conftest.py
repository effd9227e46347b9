"""Django for the township tests only: settings are chosen when this folder is collected, so the
village (non-Django) tests run exactly as without it.

- ``DATABASE_URL`` set (``scripts/with_postgres.sh``): the tests run on PostgreSQL.
- Otherwise SQLite; ``TOWNSHIP_HOME`` points at a throwaway folder either way.
"""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sync.township.settings")
os.environ.setdefault("TOWNSHIP_HOME", tempfile.mkdtemp(prefix="township-test-"))

import django  # noqa: E402

django.setup()

import pytest  # noqa: E402
