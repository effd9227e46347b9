"""Who reaches what (issue 5 quality rules, issue 6 auth matrix for the console).

- A signed-out user reaches nothing: every console URL redirects to the sign-in page, GET or POST.
- A clerk cannot reach supervisor pages (403), a user with no role reaches nothing (403).
- CSRF is enforced on every form; sign-in is throttled after repeated failures.
- The UI is Chinese by default (even for a browser preferring English) and switches to English.
"""

from __future__ import annotations

import pytest
from console_seed import PASSWORD, errand, resident, user
import console_seed
from django.test import Client
from django.urls import URLPattern, URLResolver

from sync.township import models as m
from sync.township.console import urls as console_urls
from sync.township.console.roles import CLERK, SUPERVISOR

pytestmark = pytest.mark.django_db

# The shared fixtures (pytest finds them by name in this module).
clerk = console_seed.clerk
clerk_client = console_seed.clerk_client
supervisor = console_seed.supervisor
supervisor_client = console_seed.supervisor_client

PUBLIC = {"login", "logout", "set_language", None}  # None: the static files
SUPERVISOR_ONLY = {"rosters", "roster", "roster_template", "roster_upload", "catalog", "catalog_edit", "catalog_add", "catalog_retire",
                   "devices", "enroll",
                   "revoke", "offline", "offline_done", "offline_answer", "staff", "staff_new", "staff_edit"}
ARGS = {"entity_id": "00000000-0000-0000-0000-000000000000", "pk": 999999, "code": "Z003"}


def _console_urls() -> list[tuple[str, str]]:
    out = []
    for p in console_urls.urlpatterns:
        if isinstance(p, URLResolver) or not isinstance(p, URLPattern) or p.name in PUBLIC:
            continue
        route = str(p.pattern)
        for key, value in ARGS.items():
            route = route.replace(f"<str:{key}>", str(value)).replace(f"<int:{key}>", str(value))
        out.append((p.name, "/" + route))
    return out


URLS = _console_urls()


def test_every_page_is_listed():
    assert len(URLS) >= 23 and {name for name, _ in URLS} >= SUPERVISOR_ONLY | {"inbox", "errand", "circular"}


@pytest.mark.parametrize("name,url", URLS)
def test_signed_out_reaches_nothing(client, name, url):
    for response in (client.get(url), client.post(url, {"target": "accepted"})):
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/")
    assert not m.Event.objects.exists()


@pytest.mark.parametrize("name,url", [(n, u) for n, u in URLS if n in SUPERVISOR_ONLY])
def test_clerk_cannot_reach_supervisor_pages(clerk_client, name, url):
    page = clerk_client.get(url)
    assert page.status_code == 403 and "没有权限" in page.content.decode()
    assert clerk_client.post(url, {"village_code": "LTA09", "role": "supervisor"}).status_code == 403
    assert not m.Village.objects.filter(code="LTA09").exists()


def test_user_without_role_reaches_nothing(client):
    from django.contrib.auth import get_user_model

    nobody = get_user_model().objects.create_user(username="nobody", password=PASSWORD)
    client.force_login(nobody)
    for _name, url in URLS:
        assert client.get(url).status_code == 403, url


def test_clerk_pages_open_for_clerk_and_supervisor(clerk_client):
    for url in ("/", "/supplies/", "/circular/", "/circular/export.xlsx", "/supplies/export.xlsx"):
        assert clerk_client.get(url).status_code == 200, url


def test_supervisor_pages_open_for_supervisor(supervisor_client):
    for url in ("/rosters/", "/rosters/upload/", "/catalog/", "/catalog/Z003/", "/devices/", "/devices/enroll/",
                "/offline/", "/staff/", "/staff/new/", "/rosters/template.xlsx"):
        assert supervisor_client.get(url).status_code == 200, url


def test_csrf_is_enforced(clerk):
    rid = resident("LTA01")
    eid = errand("LTA01", rid)
    c = Client(enforce_csrf_checks=True)
    c.force_login(clerk)
    refused = c.post(f"/errands/{eid}/step/", {"target": "accepted"}, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert refused.status_code == 403
    assert m.Errand.objects.get(entity_id=eid).status == "submitted"
    # The page says what happened and what to do, in the console's language (not Django's English).
    page = refused.content.decode()
    assert "页面已过期" in page and "刷新后再提交一次" in page and "CSRF" not in page
    c.cookies.load({"django_language": "en"})
    page = c.post(f"/errands/{eid}/step/", {"target": "accepted"}).content.decode()
    assert "This page has expired" in page and "reload the page" in page and "页面已过期" not in page


def test_sign_in_and_out(client, clerk):
    page = client.get("/accounts/login/")
    assert page.status_code == 200 and "工作人员登录" in page.content.decode()
    response = client.post("/accounts/login/", {"username": "clerk1", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.get("/accounts/logout/").status_code == 405  # sign-out is a POST (CSRF-protected)
    client.post("/accounts/logout/")
    assert client.get("/").status_code == 302


def test_wrong_password_message_and_throttle(client, clerk):
    for _ in range(5):
        page = client.post("/accounts/login/", {"username": "clerk1", "password": "wrong"})
        assert "用户名或密码不对" in page.content.decode()
    locked = client.post("/accounts/login/", {"username": "clerk1", "password": PASSWORD})
    assert locked.status_code == 200 and "登录失败次数过多" in locked.content.decode()
    assert client.get("/").status_code == 302  # still signed out
    user("clerk2", CLERK)  # another account from the same address is not locked (yet)
    assert client.post("/accounts/login/", {"username": "clerk2", "password": PASSWORD}).status_code == 302


def test_throttle_expires(client, clerk):
    from django.utils import timezone

    from sync.township.console.models import LoginThrottle

    for _ in range(5):
        client.post("/accounts/login/", {"username": "clerk1", "password": "wrong"})
    LoginThrottle.objects.update(locked_until=timezone.now() - timezone.timedelta(seconds=1))
    assert client.post("/accounts/login/", {"username": "clerk1", "password": PASSWORD}).status_code == 302
    assert not LoginThrottle.objects.filter(key="user:clerk1").exists()  # success clears the count


def test_chinese_by_default_english_when_switched(clerk_client):
    page = clerk_client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "各村代办事项" in page and "English" in page
    clerk_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = clerk_client.get("/").content.decode()
    assert "Errands from all villages" in page and "各村代办事项" not in page
    clerk_client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "各村代办事项" in clerk_client.get("/").content.decode()


def test_error_pages_speak_the_consoles_language_not_the_browsers(clerk_client):
    # A browser preferring English still gets Chinese until the user switches, on error pages too.
    english_browser = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}
    missing = clerk_client.get("/no-such-page/", **english_browser)
    assert missing.status_code == 404 and "找不到页面" in missing.content.decode()
    clerk_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    missing = clerk_client.get("/no-such-page/", **english_browser)
    assert missing.status_code == 404 and "Page not found" in missing.content.decode()


def test_roles_are_groups_with_permissions(db):
    from django.contrib.auth.models import Group

    assert set(Group.objects.filter(name__in=[CLERK, SUPERVISOR]).values_list("name", flat=True)) == {CLERK, SUPERVISOR}
    boss = user("boss2", SUPERVISOR)
    worker = user("worker2", CLERK)
    assert boss.has_perm("console.supervise") and boss.has_perm("console.process_errands")
    assert worker.has_perm("console.process_errands") and not worker.has_perm("console.supervise")
