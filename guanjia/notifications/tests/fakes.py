"""Local fakes of the providers, started by the tests on 127.0.0.1 (a thread, an ephemeral port).

Each checks a request the way the provider does — credentials for a token, the token's validity and
expiry, the application, the recipient, the template, the JSON body's shape — and answers with the
provider's own success and error bodies. Knobs let a test expire every token, make a recipient
unknown, or have the provider refuse the next call with a given code.
"""

from __future__ import annotations

import email
import itertools
import json
import secrets
import socketserver
import threading
import time
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class FakeProvider:
    """A JSON-over-HTTP provider on 127.0.0.1: subclasses route ``(method, path)`` to a handler."""

    def __init__(self):
        self.lock = threading.Lock()
        self.calls: list[tuple[str, str]] = []  # (method, path) of every request, in order
        self.tokens: dict[str, float] = {}  # token → when it expires (time.time())
        self.token_requests = 0
        self.messages: list[dict] = []  # bodies of the messages it accepted
        self.fail_next: list[dict] = []  # error bodies to answer the next send calls with
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _answer(self, method: str):
                url = urlparse(self.path)
                query = {k: v[-1] for k, v in parse_qs(url.query).items()}
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                with fake.lock:
                    fake.calls.append((method, url.path))
                    status, reply = fake.route(method, url.path, query, raw)
                data = json.dumps(reply, ensure_ascii=False).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self._answer("GET")

            def do_POST(self):
                self._answer("POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # Tokens -----------------------------------------------------------------------------------

    def issue_token(self, expires_in: int = 7200) -> str:
        """The current token while it is valid (both providers answer so), else a new one."""
        now = time.time()
        for token, expires in self.tokens.items():
            if expires > now:
                return token
        token = secrets.token_urlsafe(32)
        self.tokens[token] = now + expires_in
        return token

    def token_error(self, token: str | None) -> dict | None:
        raise NotImplementedError

    def expire_tokens(self) -> None:
        """Every token the provider issued is past its expiry."""
        with self.lock:
            for token in self.tokens:
                self.tokens[token] = time.time() - 1

    def route(self, method, path, query, raw) -> tuple[int, dict]:
        raise NotImplementedError

    @staticmethod
    def json_body(raw: bytes) -> dict | None:
        try:
            body = json.loads(raw.decode("utf-8"))
        except ValueError:
            return None
        return body if isinstance(body, dict) else None


def _hint(code: int) -> str:
    return f", hint: [{int(time.time())}_{secrets.token_hex(4)}], from ip: 127.0.0.1, more info at https://open.work.weixin.qq.com/devtool/query?e={code}"


class WecomFake(FakeProvider):
    """企业微信 server API: ``/cgi-bin/gettoken`` and ``/cgi-bin/message/send``."""

    def __init__(self, *, corp_id="ww-corp-1", secret="app-secret-1", agent_id=1000002, users=()):
        self.corp_id, self.secret, self.agent_id = corp_id, secret, agent_id
        self.users = set(users)
        super().__init__()

    def error(self, code: int, message: str) -> dict:
        return {"errcode": code, "errmsg": message + _hint(code)}

    def token_error(self, token):
        if not token:
            return self.error(41001, "access_token missing")
        if token not in self.tokens:
            return self.error(40014, "invalid access_token")
        if self.tokens[token] <= time.time():
            return self.error(42001, "access_token expired")
        return None

    def route(self, method, path, query, raw):
        if path == "/cgi-bin/gettoken" and method == "GET":
            if query.get("corpid") != self.corp_id:
                return 200, self.error(40013, "invalid corpid")
            if query.get("corpsecret") != self.secret:
                return 200, self.error(40001, "invalid secret")
            self.token_requests += 1
            return 200, {"errcode": 0, "errmsg": "ok", "access_token": self.issue_token(), "expires_in": 7200}
        if path == "/cgi-bin/message/send" and method == "POST":
            problem = self.token_error(query.get("access_token"))
            if problem:
                return 200, problem
            body = self.json_body(raw)
            if body is None:
                return 200, self.error(47001, "data format error")
            if body.get("agentid") != self.agent_id:
                return 200, self.error(40056, "invalid agentid")
            kind = body.get("msgtype")
            if kind == "text" and not (body.get("text") or {}).get("content"):
                return 200, self.error(41009, "missing content")
            if kind == "textcard":
                card = body.get("textcard") or {}
                if not all(card.get(k) for k in ("title", "description", "url")):
                    return 200, self.error(44004, "empty content")
                if len(card["description"].encode()) > 512 or len(card["title"].encode()) > 128:
                    return 200, self.error(45002, "content size out of limit")
            elif kind != "text":
                return 200, self.error(40008, "invalid message type")
            if self.fail_next:
                return 200, self.fail_next.pop(0)
            wanted = [u for u in str(body.get("touser") or "").split("|") if u]
            known = [u for u in wanted if u in self.users]
            if not known:
                return 200, self.error(81013, "user & party & tag all invalid")
            self.messages.append(body)
            invalid = "|".join(u for u in wanted if u not in self.users)
            return 200, {
                "errcode": 0,
                "errmsg": "ok",
                "invaliduser": invalid,
                "invalidparty": "",
                "invalidtag": "",
                "unlicenseduser": "",
                "msgid": secrets.token_hex(16),
                "response_code": secrets.token_hex(8),
            }
        return 404, {"errcode": 404, "errmsg": "not found"}


class WechatFake(FakeProvider):
    """微信公众号: ``/cgi-bin/stable_token`` and ``/cgi-bin/message/template/send``."""

    def __init__(self, *, app_id="wx-app-1", secret="mp-secret-1", templates=None, followers=()):
        self.app_id, self.secret = app_id, secret
        self.templates = dict(templates or {})  # template id → its variable names
        self.followers = set(followers)  # openids that follow the account
        self.known = set(followers)  # openids of the account (followers and former followers)
        self.msgids = itertools.count(2_000_000_001)
        super().__init__()

    @staticmethod
    def error(code: int, message: str) -> dict:
        return {"errcode": code, "errmsg": f"{message} rid: {secrets.token_hex(12)}"}

    def token_error(self, token):
        if not token:
            return self.error(41001, "access_token missing")
        if token not in self.tokens:
            return self.error(40001, "invalid credential, access_token is invalid or not latest")
        if self.tokens[token] <= time.time():
            return self.error(42001, "access_token expired")
        return None

    def route(self, method, path, query, raw):
        if path == "/cgi-bin/stable_token" and method == "POST":
            body = self.json_body(raw) or {}
            if body.get("grant_type") != "client_credential":
                return 200, self.error(40002, "invalid grant_type")
            if body.get("appid") != self.app_id:
                return 200, self.error(40013, "invalid appid")
            if body.get("secret") != self.secret:
                return 200, self.error(40125, "invalid appsecret")
            self.token_requests += 1
            if body.get("force_refresh"):
                self.expire_unlocked()
            return 200, {"access_token": self.issue_token(), "expires_in": 7200}
        if path == "/cgi-bin/message/template/send" and method == "POST":
            problem = self.token_error(query.get("access_token"))
            if problem:
                return 200, problem
            body = self.json_body(raw)
            if body is None:
                return 200, self.error(47001, "data format error")
            variables = self.templates.get(body.get("template_id"))
            if variables is None:
                return 200, self.error(40037, "invalid template_id")
            data = body.get("data")
            if not isinstance(data, dict) or any(
                not isinstance(data.get(v), dict) or "value" not in data[v] for v in variables
            ):
                return 200, self.error(47003, "argument invalid! data.value is empty")
            if self.fail_next:
                return 200, self.fail_next.pop(0)
            openid = body.get("touser")
            if openid not in self.known:
                return 200, self.error(40003, "invalid openid")
            if openid not in self.followers:
                return 200, self.error(43004, "require subscribe")
            self.messages.append(body)
            return 200, {"errcode": 0, "errmsg": "ok", "msgid": next(self.msgids)}
        return 404, {"errcode": 404, "errmsg": "not found"}

    def expire_unlocked(self) -> None:
        for token in self.tokens:
            self.tokens[token] = time.time() - 1


class SmtpFake:
    """A small SMTP server (RFC 5321's commands a client sends) on 127.0.0.1 that keeps each message
    it accepts, parsed: ``messages`` of ``(envelope_from, recipients, email.message.EmailMessage)``."""

    def __init__(self):
        self.messages: list = []
        fake = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str) -> None:
                self.wfile.write((line + "\r\n").encode())

            def handle(self):
                self.reply("220 fake-smtp ESMTP ready")
                sender, recipients = "", []
                while True:
                    raw = self.rfile.readline()
                    if not raw:
                        return
                    line = raw.decode("utf-8", "replace").rstrip("\r\n")
                    verb = line.split(" ", 1)[0].upper()
                    if verb == "EHLO":
                        self.wfile.write(b"250-fake-smtp\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
                    elif verb == "HELO":
                        self.reply("250 fake-smtp")
                    elif verb == "MAIL":
                        sender, recipients = line.split(":", 1)[1].split()[0].strip("<>"), []
                        self.reply("250 OK")
                    elif verb == "RCPT":
                        if not sender:
                            self.reply("503 5.5.1 Error: need MAIL command")
                            continue
                        recipients.append(line.split(":", 1)[1].strip().strip("<>"))
                        self.reply("250 OK")
                    elif verb == "DATA":
                        if not recipients:
                            self.reply("503 5.5.1 Error: need RCPT command")
                            continue
                        self.reply("354 End data with <CR><LF>.<CR><LF>")
                        data = []
                        while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                            data.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                        parsed = email.message_from_bytes(b"".join(data), policy=policy.default)
                        fake.messages.append((sender, recipients, parsed))
                        self.reply("250 OK: queued")
                    elif verb == "RSET":
                        sender, recipients = "", []
                        self.reply("250 OK")
                    elif verb == "NOOP":
                        self.reply("250 OK")
                    elif verb == "QUIT":
                        self.reply("221 Bye")
                        return
                    else:
                        self.reply("502 5.5.2 Error: command not recognized")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
