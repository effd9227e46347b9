"""Small page helpers for the Chromium tests: sign in, wait for text, click by id."""

from __future__ import annotations

from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

WAIT = 20
# While a form submission navigates, the old page's body goes stale under the check: try again.
_NAVIGATING = (NoSuchElementException, StaleElementReferenceException)


def wait_for(driver, by: str, value: str, timeout: float = WAIT):
    return WebDriverWait(driver, timeout, ignored_exceptions=_NAVIGATING).until(
        ec.presence_of_element_located((by, value)))


def wait_text(driver, text: str, timeout: float = WAIT) -> None:
    WebDriverWait(driver, timeout, ignored_exceptions=_NAVIGATING).until(lambda d: text in _body_text(d))


def _body_text(driver) -> str:
    try:
        return driver.find_element(By.TAG_NAME, "body").text
    except WebDriverException as exc:
        # Chromium's way of saying the body was replaced while it was read (a navigation).
        if "does not belong to the document" in str(exc):
            return ""
        raise


def sign_in(driver, base: str, username: str, password: str) -> None:
    """Through the real sign-in form (CSRF token, session cookie, password check)."""
    driver.get(base + "/")
    wait_for(driver, By.ID, "login-form")
    driver.find_element(By.NAME, "username").send_keys(username)
    driver.find_element(By.NAME, "password").send_keys(password)
    driver.find_element(By.ID, "login-button").click()
    wait_for(driver, By.ID, "logout")


def click(driver, element_id: str) -> None:
    element = wait_for(driver, By.ID, element_id)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    element.click()
