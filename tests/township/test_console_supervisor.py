"""Supervisor pages: enrolling and revoking devices, the catalog, staff accounts, USB files."""

from __future__ import annotations

import pytest
from console_seed import PASSWORD, user
import console_seed
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from sync.township import models as m
from sync.township import operations as ops
from sync.township.console.roles import CLERK, role_of
from sync.township.console.views.rosters import shipped_catalog_version
from sync.workflow import catalog_version_key

pytestmark = pytest.mark.django_db

# The shared fixtures (pytest finds them by name in this module).
supervisor = console_seed.supervisor
supervisor_client = console_seed.supervisor_client


def test_enroll_shows_code_and_qr_and_the_code_works(supervisor_client):
    page = supervisor_client.post("/devices/enroll/", {"village_code": "lta05", "village_name": "新村"})
    assert page.status_code == 200
    html = page.content.decode()
    code = page.context["code"]
    assert code in html and "<svg" in html and "villageagent enroll http://testserver" in html
    device, token = ops.enroll_device(code, node="dev0abc", village_code="LTA05")
    assert device.village.code == "LTA05" and m.Village.objects.get(code="LTA05").name == "新村"
    listing = supervisor_client.get("/devices/").content.decode()
    assert "dev0abc" in listing and "从未同步" in listing


def test_enroll_bad_code_beside_field(supervisor_client):
    page = supervisor_client.post("/devices/enroll/", {"village_code": "村-1"})
    assert page.status_code == 400 and "村代码只能用字母和数字" in page.content.decode()
    assert not m.Village.objects.exists() and not m.EnrollmentCode.objects.exists()


def test_revoke(supervisor_client):
    code, _ = ops.issue_enrollment_code("LTA01")
    device, token = ops.enroll_device(code, node="dev0abc", village_code="LTA01")
    supervisor_client.post(f"/devices/{device.pk}/revoke/")
    device.refresh_from_db()
    assert device.revoked_at is not None
    with pytest.raises(ops.TownshipError):
        ops.device_for_token(token)
    assert supervisor_client.get(f"/devices/{device.pk}/revoke/").status_code == 405


def test_catalog_edit_refuses_a_promise_not_30_percent_shorter(supervisor_client):
    ops.village_for("LTA01")
    page = supervisor_client.post("/catalog/Z003/", {"name": "老年优待证办理", "promised_days": 8, "legal_days": 10,
                                                    "materials": "身份证", "fee_yuan": "0"})
    assert page.status_code == 400 and "至少缩短30%" in page.content.decode()
    assert not m.CatalogVersion.objects.exists()
    page = supervisor_client.post("/catalog/Z003/", {"name": "老年优待证办理", "promised_days": 5, "legal_days": 10,
                                                    "materials": "x" * 61, "fee_yuan": "-1"})
    assert set(page.context["form"].errors) == {"materials", "fee_yuan"}
    assert not m.CatalogVersion.objects.exists()


def test_catalog_edit_publishes_a_version_that_flows_down(supervisor_client):
    ops.village_for("LTA01")
    response = supervisor_client.post("/catalog/Z003/", {
        "name": "老年优待证办理", "promised_days": 4, "legal_days": 10, "materials": "身份证\n照片2张\n", "fee_yuan": "1.5"})
    assert response.status_code == 302
    cat = m.CatalogVersion.objects.get()
    item = next(i for i in cat.items if i["code"] == "Z003")
    assert (item["promised_days"], item["materials"], item["fee_fen"]) == (4, ["身份证", "照片2张"], 150)
    assert m.Event.objects.filter(village__code="LTA01", entity="catalog").count() == 1
    supervisor_client.post("/catalog/Z003/", {"name": "老年优待证办理", "promised_days": 3, "legal_days": 10,
                                              "materials": "身份证", "fee_yuan": "0"})
    assert m.CatalogVersion.objects.count() == 2  # a new version number each time
    first, second = (v.version for v in m.CatalogVersion.objects.order_by("published_at"))
    assert catalog_version_key(second) > catalog_version_key(first) > catalog_version_key("2026.11-1"), (first, second)
    assert "老年优待证办理" in supervisor_client.get("/catalog/").content.decode()


def test_a_new_catalog_item_gets_the_next_code_of_its_kind_and_flows_down(supervisor_client):
    ops.village_for("LTA01")
    assert "添加事项" in supervisor_client.get("/catalog/").content.decode()
    blank = supervisor_client.get("/catalog/new/")
    assert blank.status_code == 200 and "编码由系统按类型自动编排" in blank.content.decode()
    assert "修改事项" not in blank.content.decode()
    response = supervisor_client.post("/catalog/new/", {
        "kind": "certificate", "name": "高龄津贴资格认证", "tier": "township", "department": "民政办",
        "promised_days": 3, "legal_days": 10, "materials": "身份证\n户口簿", "fee_yuan": "0"})
    assert response.status_code == 302
    cat = m.CatalogVersion.objects.get()
    new = cat.items[-1]
    shipped = [i["code"] for i in cat.items[:-1] if i["code"].startswith("Z")]
    assert new["code"] == f"Z{max(int(c[1:]) for c in shipped) + 1:03d}" and new["code"] not in shipped
    assert (new["name"], new["kind"], new["tier"], new["promised_days"], new["legal_days"], new["materials"]) == (
        "高龄津贴资格认证", "certificate", "township", 3, 10, ["身份证", "户口簿"])
    event = m.Event.objects.get(village__code="LTA01", entity="catalog")
    assert event.data["version"] == cat.version and event.data["items"][-1] == new  # what the village pulls
    # A farm supply carries its unit and price; the code continues the N series.
    supervisor_client.post("/catalog/new/", {
        "kind": "farm_supply", "name": "尿素（40kg/袋）", "tier": "township", "promised_days": 3, "legal_days": 7,
        "materials": "", "fee_yuan": "0", "unit": "袋", "unit_price_yuan": "98.50", "category": "化肥"})
    latest = m.CatalogVersion.objects.order_by("-published_at").first()
    urea = next(i for i in latest.items if i["name"] == "尿素（40kg/袋）")
    assert urea["code"].startswith("N") and (urea["unit"], urea["unit_price_fen"], urea["category"]) == ("袋", 9850, "化肥")
    assert "高龄津贴资格认证" in supervisor_client.get("/catalog/").content.decode()


def test_a_new_catalog_item_that_is_incomplete_or_a_duplicate_publishes_nothing(supervisor_client):
    ops.village_for("LTA01")
    page = supervisor_client.post("/catalog/new/", {
        "kind": "farm_supply", "name": "尿素（40kg/袋）", "tier": "township", "promised_days": 3, "legal_days": 7,
        "materials": "", "fee_yuan": "0"})
    assert page.status_code == 400 and {"unit", "unit_price_yuan"} <= set(page.context["form"].errors)
    page = supervisor_client.post("/catalog/new/", {
        "kind": "certificate", "name": "残疾证办理", "tier": "county", "promised_days": 5, "legal_days": 20,
        "materials": "", "fee_yuan": "0"})
    assert page.status_code == 400 and "已有同名" in page.content.decode()
    page = supervisor_client.post("/catalog/new/", {
        "kind": "passport", "name": "护照", "tier": "township", "promised_days": 5, "legal_days": 20, "fee_yuan": "0"})
    assert page.status_code == 400 and "kind" in page.context["form"].errors
    assert not m.CatalogVersion.objects.exists()


def test_catalog_versions_keep_rising_through_a_busy_month(supervisor_client):
    from sync.township.console.views.catalog import next_version

    ops.village_for("LTA01")
    items = [{"code": "Z001", "name": "残疾证办理", "kind": "certificate"}]
    published = [ops.publish_catalog(next_version(), items).version for _ in range(11)]
    keys = [catalog_version_key(v) for v in published]
    assert keys == sorted(keys) and len(set(published)) == 11  # -2 ... -12: each above the last
    assert catalog_version_key(published[0]) > catalog_version_key(shipped_catalog_version())


def test_staff_account_created_with_role_and_hashed_password(supervisor_client):
    from django.test import Client

    client = Client()
    page = supervisor_client.post("/staff/new/", {"username": "li", "first_name": "李", "password1": "short",
                                                  "password2": "other", "role": "clerk"})
    assert page.status_code == 400 and not get_user_model().objects.filter(username="li").exists()
    supervisor_client.post("/staff/new/", {"username": "li", "first_name": "李", "password1": PASSWORD,
                                           "password2": PASSWORD, "role": "clerk"})
    li = get_user_model().objects.get(username="li")
    assert role_of(li) == CLERK and li.password.startswith(("pbkdf2_", "argon2", "bcrypt", "scrypt"))
    assert client.post("/accounts/login/", {"username": "li", "password": PASSWORD}).status_code == 302
    assert client.get("/staff/").status_code == 403


def test_staff_edit_role_disable_and_not_self(supervisor_client, supervisor):
    worker = user("w1", CLERK)
    supervisor_client.post(f"/staff/{worker.pk}/", {"which": "role", "r-role": "supervisor", "r-active": "on"})
    worker.refresh_from_db()
    assert role_of(get_user_model().objects.get(pk=worker.pk)) == "supervisor"
    supervisor_client.post(f"/staff/{worker.pk}/", {"which": "role", "r-role": "clerk"})
    assert get_user_model().objects.get(pk=worker.pk).is_active is False
    page = supervisor_client.post(f"/staff/{supervisor.pk}/", {"which": "role", "r-role": "clerk", "r-active": "on"})
    assert page.status_code == 400 and role_of(get_user_model().objects.get(pk=supervisor.pk)) == "supervisor"
    supervisor_client.post(f"/staff/{worker.pk}/", {"which": "password", "p-new_password1": "new-pass-987",
                                                    "p-new_password2": "new-pass-987"})
    assert get_user_model().objects.get(pk=worker.pk).check_password("new-pass-987")


def test_offline_junk_file_refused_beside_field(supervisor_client):
    page = supervisor_client.post("/offline/", {"file": SimpleUploadedFile("x.vasync", b"junk")})
    assert page.status_code == 400
    assert page.context["form"].errors["file"]
    from sync.township.console.models import OfflineImport

    assert not OfflineImport.objects.exists()


def test_a_retired_item_stays_in_the_catalog_marked_and_takes_no_new_roster(supervisor_client):
    ops.village_for("LTA01")
    assert supervisor_client.get("/catalog/B001/retire/").status_code == 405  # a button, not a link
    response = supervisor_client.post("/catalog/B001/retire/")
    assert response.status_code == 302
    cat = m.CatalogVersion.objects.get()
    item = next(i for i in cat.items if i["code"] == "B001")
    assert item["retired"] is True and item["name"]  # still there, for the errands already logged
    assert sum(1 for i in cat.items if i.get("retired")) == 1
    event = m.Event.objects.get(village__code="LTA01", entity="catalog")
    assert next(i for i in event.data["items"] if i["code"] == "B001")["retired"] is True  # what the village pulls
    page = supervisor_client.get("/catalog/").content.decode()
    assert "已停办事项 B001" in page and "已停办" in page and "恢复办理" in page
    upload = supervisor_client.get("/rosters/upload/").content.decode()
    assert 'value="B001"' not in upload and 'value="B002"' in upload
    # Resumed: a newer version without the mark, offered for rosters again.
    supervisor_client.post("/catalog/B001/retire/", {"restore": "1"})
    latest = m.CatalogVersion.objects.order_by("-published_at").first()
    assert latest.version != cat.version and catalog_version_key(latest.version) > catalog_version_key(cat.version)
    assert "retired" not in next(i for i in latest.items if i["code"] == "B001")
    assert 'value="B001"' in supervisor_client.get("/rosters/upload/").content.decode()
    assert supervisor_client.post("/catalog/X999/retire/").status_code == 404
    assert m.CatalogVersion.objects.count() == 2
