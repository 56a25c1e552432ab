"""A local fake of WeChat's web authorisation (网页授权) for tests, on 127.0.0.1.

``GET /sns/oauth2/access_token?appid&secret&code&grant_type=authorization_code`` is checked like
the provider checks it — the appid (40013), the secret (40125), the grant type (40002) and the code
(40029: unknown or already used: a code is good once) — and answered with the provider's bodies.
``issue_code(openid)`` stands for WeChat redirecting the browser back with a fresh code.
"""

from __future__ import annotations

import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

APPID = "wx8d1f0c5e7a2b3c4d"
SECRET = "f2c7e9a1b3d5f7a9c1e3b5d7f9a1c3e5"


class FakeWeChat:
    def __init__(self):
        self.codes: dict[str, str] = {}
        self.requests: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                fake.requests.append({"path": url.path, **query})
                if url.path != "/sns/oauth2/access_token":
                    return self._answer({"errcode": 40066, "errmsg": "invalid url"}, 404)
                rid = f"rid: {secrets.token_hex(4)}-{secrets.token_hex(4)}"
                if query.get("appid") != APPID:
                    return self._answer({"errcode": 40013, "errmsg": f"invalid appid, {rid}"})
                if query.get("secret") != SECRET:
                    return self._answer({"errcode": 40125, "errmsg": f"invalid appsecret, {rid}"})
                if query.get("grant_type") != "authorization_code":
                    return self._answer({"errcode": 40002, "errmsg": f"invalid grant_type, {rid}"})
                openid = fake.codes.pop(query.get("code", ""), None)
                if openid is None:
                    return self._answer({"errcode": 40029, "errmsg": f"invalid code, {rid}"})
                return self._answer(
                    {
                        "access_token": secrets.token_urlsafe(32),
                        "expires_in": 7200,
                        "refresh_token": secrets.token_urlsafe(32),
                        "openid": openid,
                        "scope": "snsapi_base",
                        "is_snapshotuser": 0,
                    }
                )

            def _answer(self, body, status=200):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; encoding=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def issue_code(self, openid: str) -> str:
        code = secrets.token_urlsafe(24)
        self.codes[code] = openid
        return code

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
