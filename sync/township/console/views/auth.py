"""Sign in and out with Django's views; the form adds the throttle (issue 6)."""

from __future__ import annotations

from django.contrib.auth import views as auth_views

from sync.township.console.access import with_language
from sync.township.console.forms import LoginForm

login = with_language(auth_views.LoginView.as_view(template_name="console/login.html",
                                                   authentication_form=LoginForm,
                                                   redirect_authenticated_user=True, next_page="console:inbox"))
logout = with_language(auth_views.LogoutView.as_view(next_page="console:login"))
