"""The sync API: ``/api/v1/...`` for village devices and ``/api/openapi.json``.

- Bodies are JSON, compressed with zstd or zlib (``Content-Encoding: zstd`` or ``deflate``; our
  client always compresses); answers are compressed the best way the client accepts
  (``Accept-Encoding``). Every answer says which codings a request may use
  (``Accept-Encoding: zstd, deflate``), so a client learns that before choosing.
- Every refusal is a 4xx with ``{"error": {"code", "message"}}``; nothing is stored for a
  refused request, and unexpected input never becomes a 500 (a last-resort handler turns any
  remaining exception into ``server_error`` and logs it without the request's headers).
- Devices authenticate with ``Authorization: Bearer <token>``; the token is never logged.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Callable, TypeGuard

from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path, re_path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from sync import protocol as p
from sync.township import lane as lanes
from sync.township import operations as ops
from sync.township.openapi import schema

log = logging.getLogger("sync.township")
_BAD_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")


# The codings a request body may use, said on every answer (RFC 9110, 12.5.3).
ACCEPTED = ", ".join(p.ENCODINGS)


def error(code: str, message: str, status: int) -> JsonResponse:
    resp = JsonResponse({"error": {"code": code, "message": message}}, status=status,
                        json_dumps_params={"ensure_ascii": False})
    resp["Accept-Encoding"] = ACCEPTED
    return resp


def _answer(request: HttpRequest, obj: dict[str, Any], status: int = 200) -> HttpResponse:
    coding = p.best_coding(request.headers.get("Accept-Encoding", ""))
    if coding is not None:
        resp = HttpResponse(p.compress(obj, encoding=coding), status=status, content_type=p.CONTENT_TYPE)
        resp["Content-Encoding"] = coding
    else:
        resp = JsonResponse(obj, status=status, json_dumps_params={"ensure_ascii": False, "separators": (",", ":")})
    resp["Accept-Encoding"] = ACCEPTED
    return resp



def _read(request: HttpRequest) -> dict[str, Any]:
    return _read_checked(request)[0]


def _read_checked(request: HttpRequest) -> tuple[dict[str, Any], bool]:
    """(message, whether its JSON is free of NUL escapes)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise p.ProtocolError("bad_length", "Content-Length 不对。") from None
    if length > p.MAX_WIRE:
        raise p.ProtocolError("too_large", "请求内容太大。", 413)
    encoding = request.headers.get("Content-Encoding", "").strip().lower() or p.IDENTITY
    if encoding not in (*p.ENCODINGS, p.IDENTITY):
        raise p.ProtocolError("bad_encoding", f"请求的压缩方式只能是 {ACCEPTED}。", 415)
    body = request.body
    if not body:
        raise p.ProtocolError("empty_body", "请求内容为空。")
    raw = p.inflate(body, encoding=encoding, limit=p.MAX_BODY if encoding in p.ENCODINGS else p.MAX_WIRE)
    # JSON can carry U+0000 and lone surrogates only as escapes (a raw control character is invalid
    # JSON, and a surrogate cannot be written in UTF-8): without any \\u escape, or without those
    # two kinds, no event needs its text checked one by one.
    return p.check_version(p.parse(raw)), b"\\u" not in raw or _BAD_ESCAPE.search(raw) is None


VILLAGE_NAME_MAX = 30  # as the laptop allows, and the township's column holds


def _plain(value: object) -> TypeGuard[str]:
    """A string a database stores as it is (``operations.bad_text``: no NUL, which PostgreSQL
    refuses, and no lone surrogate, which UTF-8 cannot encode)."""
    return isinstance(value, str) and not ops.bad_text(value)


def _bearer(request: HttpRequest) -> str:
    auth = request.headers.get("Authorization", "")
    return auth[7:].strip() if auth.startswith("Bearer ") else ""


def _load_body(request: HttpRequest) -> None:
    """Read the request's body from the network now (Django keeps it for ``request.body``)."""
    request.body  # noqa: B018 - read for its effect


def endpoint(method: str, *, auth: bool, lane: bool = False) -> Callable:
    """Method check, authentication and the mapping of every failure to a 4xx with a code.

    - ``lane``: handled in the sync lane when the server runs one (``sync.township.lane``).
    """

    def wrap(fn: Callable) -> Callable:
        @csrf_exempt
        def view(request: HttpRequest) -> HttpResponse:
            if request.method != method:
                return error("method_not_allowed", f"请用 {method} 请求。", 405)
            if not lane:
                return guarded(request, lambda: call(request))
            # The body is read here, before the lane: a slow upload must hold up only its own
            # request, not every village's (cheroot calls us before the body has arrived).
            failed = guarded(request, lambda: _load_body(request))
            return failed if failed is not None else lanes.run(lambda: guarded(request, lambda: call(request)))

        def call(request: HttpRequest) -> HttpResponse:
            device = ops.device_for_token(_bearer(request)) if auth else None
            return fn(request, device) if auth else fn(request)

        def guarded(request: HttpRequest, work: Callable[[], Any]) -> Any:
            try:
                return work()
            except ops.TownshipError as exc:
                return error(exc.code, exc.message, exc.status)
            except p.ProtocolError as exc:
                return error(exc.code, str(exc), exc.status)
            except RequestDataTooBig:
                return error("too_large", "请求内容太大。", 413)
            except DatabaseError:
                log.exception("database error in %s", request.path)
                return error("busy", "乡镇服务器忙，请稍后再同步。", 503)
            except Exception:  # noqa: BLE001 - the API promises a code, never a bare 500 page
                log.exception("unexpected error in %s", request.path)
                return error("server_error", "乡镇服务器出错，请稍后再试；如果一直出错请联系乡镇。", 500)

        view.__name__ = fn.__name__
        return view

    return wrap


@endpoint("GET", auth=False)
def ping(request: HttpRequest) -> HttpResponse:
    resp = JsonResponse({"v": p.VERSION, "service": "township-center", "time": timezone.now().isoformat()})
    resp["Accept-Encoding"] = ACCEPTED
    return resp


@endpoint("POST", auth=False)
def enroll(request: HttpRequest) -> HttpResponse:
    msg = _read(request)
    code, node = msg.get("code"), msg.get("device")
    village, name, village_name = msg.get("village", ""), msg.get("name", ""), msg.get("village_name", "")
    if not (_plain(code) and _plain(node) and _plain(village) and _plain(name) and _plain(village_name)):
        raise p.ProtocolError("bad_field", "code、device、village、name、village_name 都应为字符串，"
                                           "且不能含有空字符或无法编码的字符。")
    if len(village_name.strip()) > VILLAGE_NAME_MAX:
        raise p.ProtocolError("bad_field", f"村名最多 {VILLAGE_NAME_MAX} 个字。")
    device, token = ops.enroll_device(code, node=node, village_code=village, name=name, village_name=village_name)
    return _answer(request, {"v": p.VERSION, "token": token, "village": device.village.code,
                             "village_name": device.village.name, "device": device.node}, 201)


# The paths of the views handled in the lane (``township-center serve`` hands their requests to
# the lane's thread at once: ``lane.SyncRequestsInLane``); ``urls.py`` maps them.
LANE_PATHS = frozenset({"/api/v1/sync"})


@endpoint("POST", auth=True, lane=True)
def sync(request: HttpRequest, device) -> HttpResponse:
    msg, nul_free = _read_checked(request)
    return _answer(request, ops.exchange(device, msg, nul_free=nul_free))


@endpoint("POST", auth=True)
def ids(request: HttpRequest, device) -> HttpResponse:
    _read(request)
    return _answer(request, {"v": p.VERSION, "ids": ops.village_ids(device)})


@endpoint("POST", auth=True)
def report(request: HttpRequest, device) -> HttpResponse:
    msg = _read(request)
    kind, detail = msg.get("kind"), msg.get("detail", {})
    if not isinstance(kind, str) or not kind or not isinstance(detail, dict):
        raise p.ProtocolError("bad_field", "kind 应为字符串，detail 应为对象。")
    ops.report_incident(device, kind, detail)
    return _answer(request, {"v": p.VERSION, "ok": True})


@endpoint("GET", auth=False)
def openapi(request: HttpRequest) -> HttpResponse:
    return JsonResponse(schema(), json_dumps_params={"ensure_ascii": False})


@csrf_exempt  # a POST to a wrong path is still an API client: JSON 404, not the CSRF page (issue 6)
def _not_found_any(request: HttpRequest) -> HttpResponse:
    return error("not_found", "没有这个接口。", 404)


urlpatterns = [
    path("openapi.json", openapi, name="openapi"),
    path("v1/ping", ping, name="sync-ping"),
    path("v1/enroll", enroll, name="sync-enroll"),
    path("v1/sync", sync, name="sync-sync"),
    path("v1/ids", ids, name="sync-ids"),
    path("v1/report", report, name="sync-report"),
    re_path(r"^.*$", _not_found_any),
]
