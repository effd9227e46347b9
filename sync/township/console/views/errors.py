"""Error pages that Django would otherwise show in English: one page (``error_page.html``), a
title and a sentence that says what to do, in the console's language."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from sync.township.console.access import activate_language


def _page(request: HttpRequest, status: int, title: str, text: str) -> HttpResponse:
    return render(request, "error_page.html", {"title": title, "text": text}, status=status)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without its security token (a page left open past a restart of the server, a
    page from another site, or cookies turned off): a plain page that says what to do. The
    reason Django gives stays out of the page (it is written for developers). Chinese unless the
    user switched (no console view ran before this one to choose: a browser preferring English
    got English, found in headless Chromium)."""
    activate_language(request)
    return _page(request, 403, _("页面已过期"), _("刚才提交的内容没有保存：这个页面打开得太久，或者浏览器没有允许本网站的 "
                                             "Cookie。请返回上一页，刷新后再提交一次。"))


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """An address with nothing behind it: in the console's language, as every console page is
    (Django's own handler took the browser's language, English for an English browser)."""
    activate_language(request)
    return _page(request, 404, _("找不到页面"), _("这个地址没有内容，可能事项已不存在或链接抄错了。"))


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    activate_language(request)
    return _page(request, 403, _("没有权限"), _("你的账号不能打开这个页面。设备、目录、名册、U盘同步和工作人员账号只有主管能管理；"
                                           "如需要，请找主管。"))
