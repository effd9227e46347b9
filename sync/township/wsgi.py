"""WSGI entry point (waitress in ``township-center serve``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sync.township.settings")
application = get_wsgi_application()
