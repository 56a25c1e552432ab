"""gunicorn settings of a Guanjia app server (deploy/guanjia-web@.service; docs/deploy.md).

The address comes from the command line (``--bind 127.0.0.1:8001``: one systemd instance per port);
the rest from here, overridable from /etc/guanjia/env (GUNICORN_WORKERS, GUNICORN_MAX_REQUESTS).

Spread restarts. A worker is replaced after ``max_requests`` requests (a guard against slow memory
growth). With a small jitter every worker of every server reaches its limit within seconds of the
others, and each restart used to cost the next requests a cold import: measured under load, every
request over 3 s fell in those windows. So each worker draws its limit uniformly from
[max_requests, max_requests + jitter] with the jitter as large as the limit itself (1,000 ± 500 by
default: 500 + 0…1,000), which spreads the restarts over the whole cycle, and a new worker is warm
before it takes a request:

- ``preload_app``: the master imports Django, every app, URL module and template tag library once;
  a new worker is a fork of it and imports nothing;
- ``pre_fork``: before each fork the master also builds what a worker would otherwise build for
  itself on first use (every view module, the API's validators, the translation catalogs) and
  freezes it out of the garbage collector's sight, so the workers share those pages instead of
  copying them (guanjia/core/preload.py: each worker's private memory 142 → 63 MB);
- ``post_worker_init``: before the worker accepts a connection it opens its database connection,
  touches the cache and renders the login page (templates, translations, middleware), so its first
  real request costs what any other does.

preload_app means ``systemctl reload`` (HUP) does not load new code: a release restarts the
servers one at a time (``systemctl restart guanjia-web@8001``, then @8002 …) while nginx sends
requests to the others.
"""

import os

workers = int(os.environ.get("GUNICORN_WORKERS", "5"))
worker_class = "sync"
timeout = 60
graceful_timeout = 30
keepalive = 5
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "500"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", str(max_requests * 2)))
preload_app = True
# Only the proxies may set X-Forwarded-* (gunicorn's own use: wsgi.url_scheme).
forwarded_allow_ips = os.environ.get("TRUSTED_PROXIES", "127.0.0.1") or "127.0.0.1"
# gunicorn 27's control socket defaults to one path in the home directory, shared by every instance
# on the host (and the units protect the home directory); systemd manages the servers instead.
control_socket_disable = True
accesslog = "-"
errorlog = "-"
# gunicorn's access and error lines in the app's format: with GUANJIA_LOG_FORMAT=json one JSON
# object per line (time in UTC, level, request id, method, path, status, duration_ms, …), else the
# app's text lines (guanjia/core/gunicorn_logs.py).
logger_class = "guanjia.core.gunicorn_logs.GuanjiaLogger"


def pre_fork(server, worker):
    """The master (preload) builds what the workers share and freezes it: guanjia/core/preload.py."""
    if server.cfg.preload_app:
        from guanjia.core.preload import prepare_for_fork

        prepare_for_fork()


def post_fork(server, worker):
    # The master imported the app (preload) but must hold no connection a worker would share.
    import logging

    from django.db import connections

    connections.close_all()
    # No log line of the app's or gunicorn's formats names the function or line that wrote it, so
    # records need not look for their caller: a stack walk per line, ~1 % of a ping's time with the
    # access line (the "Optimization" section of Python's logging HOWTO).
    logging._srcfile = None


def post_worker_init(worker):
    """Warm the new worker before it takes traffic (see above). A failure here is logged, never fatal."""
    import io
    import time

    started = time.monotonic()
    try:
        from django.conf import settings
        from django.core.cache import cache
        from django.db import connection

        connection.ensure_connection()
        cache.get("guanjia:warm-up")
        host = (settings.ALLOWED_HOSTS or ["localhost"])[0].lstrip(".")
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": "/login/",
            "QUERY_STRING": "",
            "SERVER_NAME": host,
            "SERVER_PORT": "443",
            "HTTP_HOST": host,
            "HTTP_X_FORWARDED_PROTO": "https",
            "REMOTE_ADDR": "127.0.0.1",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "https",
            "wsgi.input": io.BytesIO(),
            "wsgi.errors": io.StringIO(),
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        status = []
        body = worker.wsgi(environ, lambda s, h, exc_info=None: status.append(s))
        for _chunk in body:
            pass
        if hasattr(body, "close"):
            body.close()
        worker.log.info(
            "worker %s warm in %.0f ms (%s)",
            worker.pid,
            (time.monotonic() - started) * 1000,
            status[0] if status else "?",
        )
    except Exception:
        worker.log.exception("worker %s warm-up failed; serving anyway", worker.pid)
