"""Sessions, uploaded files and log lines across the two app servers: nothing one server keeps is
needed by the other."""

from __future__ import annotations

import io
import json
import os
import time
from pathlib import Path

import httpx
from PIL import Image

from .common import APP_A, APP_B, HOST, NGINX, PASSWORD, backend, login, nginx_client, png, token_for, wait


def sessions_are_shared():
    """Logged in through nginx, and on A: the same session works on B (sessions in PostgreSQL)."""
    with nginx_client() as c:
        cookies = login(
            c, "admin", os.environ["CI_ADMIN_PASSWORD"], f"https://{HOST}:{NGINX.rsplit(':', 1)[1]}"
        )
        home = c.get("/", headers={"Cookie": f"sessionid={cookies['sessionid']}"})
        assert home.status_code == 200 and "沈立群" in home.text, home.status_code
    with backend(APP_A) as a:
        on_a = login(a, "desk", PASSWORD, f"https://{HOST}")
    for base in (APP_A, APP_B):
        with backend(base, on_a) as c:
            page = c.get("/")
            assert page.status_code == 200 and "desk" in page.text, (base, page.status_code)
    with backend(APP_B) as c:
        assert c.get("/").status_code == 302  # without the cookie: the login page
    return cookies, on_a


def photo_through_a_served_through_b(unit, leak, desk_session, admin_session):
    """Uploaded through A, onto the object store; through B, to the right people only, by a
    presigned link that expires."""
    token = token_for(APP_A, "desk")
    auth = {"Authorization": f"Bearer {token}"}
    with backend(APP_A) as a:
        ticket = a.post(
            "/api/v1/tickets",
            json={"unit_id": unit.pk, "category_id": leak.pk, "description": "厨房水管漏水（CI）"},
            headers=auth,
        )
        assert ticket.status_code == 201, ticket.text
        upload = a.post(
            f"/api/v1/tickets/{ticket.json()['id']}/photos",
            files={"file": ("leak.png", png(), "image/png")},
            headers=auth,
        )
    assert upload.status_code == 201, upload.text
    url = upload.json()["url"]
    assert url.startswith("/media/tickets/"), url
    name = url.removeprefix("/media/")
    assert not (Path(os.environ["MEDIA_ROOT"]) / name).exists()  # on the object store, not a disk

    with backend(APP_B, desk_session) as b:
        answer = b.get(url)
    assert answer.status_code == 302, answer.status_code
    link = answer.headers["location"]
    assert link.startswith(os.environ["GUANJIA_S3_ENDPOINT_URL"]) and "X-Amz-Signature=" in link, link
    body = httpx.get(link).content
    assert Image.open(io.BytesIO(body)).size == (320, 240)
    # Not readable without the signature, nor for anyone without the record in scope.
    bare = link.split("?", 1)[0]
    assert httpx.get(bare).status_code == 403
    with nginx_client() as c:
        anonymous = c.get(url)
        assert anonymous.status_code == 302 and "/login/" in anonymous.headers["location"]
        other = login(
            c, "other-admin", os.environ["CI_ADMIN_PASSWORD"], f"https://{HOST}:{NGINX.rsplit(':', 1)[1]}"
        )
        assert c.get(url, headers={"Cookie": f"sessionid={other['sessionid']}"}).status_code == 404
        via_nginx = c.get(url, headers={"Cookie": f"sessionid={admin_session['sessionid']}"})
        assert via_nginx.status_code == 302
    # The link expires (MEDIA_LINK_SECONDS, 4 s in this job).
    time.sleep(int(os.environ["MEDIA_LINK_SECONDS"]) + 1.5)
    expired = httpx.get(link)
    assert expired.status_code == 403 and "expired" in expired.text.lower(), expired.text[:300]
    return token


def access_log_lines_are_json():
    """gunicorn's access lines (deploy/gunicorn.conf.py's logger_class) are JSON with the app's
    fields and the request id nginx gave the request; nothing the app servers wrote is not JSON."""
    with nginx_client() as c:
        answer = c.get("/login/")
    assert answer.status_code == 200
    request_id = answer.headers["X-Request-ID"]
    logs = [
        Path(os.environ["CI_WORK"]) / "log" / f"web-{base.rsplit(':', 1)[1]}.log" for base in (APP_A, APP_B)
    ]

    def entries():
        found = []
        for path in logs:
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    found.append(json.loads(line))
                except ValueError:
                    raise AssertionError(f"not a JSON line in {path.name}: {line[:300]}") from None
        return found

    def mine():
        return [
            e for e in entries() if e.get("logger") == "gunicorn.access" and e.get("request_id") == request_id
        ]

    wait(lambda: mine(), 5, "the access line of the request")
    (entry,) = mine()
    assert (entry["method"], entry["path"], entry["status"], entry["level"]) == (
        "GET",
        "/login/",
        200,
        "INFO",
    )
    assert isinstance(entry["duration_ms"], int | float) and entry["time"].endswith("Z"), entry
    lines = entries()
    print(f"   {len(lines)} log lines of the app servers, all JSON; the request's access line: {entry}")
