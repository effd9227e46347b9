"""Real headless Chromium (Debian's chromium + chromedriver, driven by selenium) against the
live township server, with a real village laptop (its database and sync client) on the other side.

- No browser download: the Debian binaries only. A missing browser fails the test loudly.
"""

from __future__ import annotations

import tempfile

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


@pytest.fixture
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--window-size=1366,900", f"--user-data-dir={tempfile.mkdtemp(prefix='chr-')}"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(0)
    yield driver
    driver.quit()


@pytest.fixture
def staff_user(transactional_db):
    """``staff_user("clerk")`` / ``staff_user("supervisor")``: an account with that role."""
    from django.contrib.auth import get_user_model

    from sync.township.console.roles import set_role

    def make(role: str, username: str = "", password: str = "pass-1234-xyz"):
        user = get_user_model().objects.create_user(username=username or f"{role}1", password=password)
        set_role(user, role)
        return user.username, password

    return make
