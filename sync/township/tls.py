"""HTTPS for ``township-center serve --cert --key`` (cheroot's built-in TLS adapter).

- Waitress has no TLS; cheroot is pure Python and runs on Windows too. The village laptop pins
  this certificate's fingerprint at enrollment, so a self-signed certificate is fine.
"""

from __future__ import annotations

from typing import Any


def serve_https(app: Any, host: str, port: int, cert: str, key: str, *, threads: int = 6) -> None:
    from cheroot import wsgi
    from cheroot.ssl.builtin import BuiltinSSLAdapter

    server = wsgi.Server((host, port), app, numthreads=threads, server_name="township-center")
    server.ssl_adapter = BuiltinSSLAdapter(cert, key)
    try:
        server.start()
    finally:
        server.stop()
