"""Who may see what: every console view is wrapped by ``clerk_view`` or ``supervisor_view``.

- Signed out: redirected to the sign-in page (nothing else is shown).
- Signed in without the role's permission: 403.
- The console speaks Chinese unless the user switched language (the language cookie); a browser
  that merely prefers English still gets Chinese, because the staff of a Chinese township center
  read Chinese first.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from sync.township.console.roles import PERM_CLERK, PERM_SUPERVISOR

View = Callable[..., HttpResponse]


def activate_language(request: HttpRequest) -> None:
    """Chinese by default; the cookie set by Django's ``set_language`` view switches it."""
    wanted = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    code = wanted if wanted in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    translation.activate(code)
    request.LANGUAGE_CODE = code


def with_language(view: View) -> View:
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        activate_language(request)
        response = view(request, *args, **kwargs)
        # Rendered now, while the chosen language is active.
        if hasattr(response, "render") and not getattr(response, "is_rendered", True):
            response.render()
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response

    return wrapper


def clerk_view(view: View) -> View:
    """Signed in with the clerk (or supervisor) role."""
    return with_language(login_required(permission_required(PERM_CLERK, raise_exception=True)(view)))


def supervisor_view(view: View) -> View:
    """Signed in with the supervisor role."""
    return with_language(login_required(permission_required(PERM_SUPERVISOR, raise_exception=True)(view)))
