"""A local fake of the invoicing service (电子发票, ``billing.invoicing``) for tests, on 127.0.0.1.

It checks every request as the service does — the app id, a timestamp within 5 minutes, a nonce
never seen before, the HMAC-SHA256 signature over ``app_id\\ntimestamp\\nnonce\\nbody`` — and the
body (an order number, a buyer title, a 15–20 character tax number when given, a total equal to its
items). It answers ``{"code": "0", "data": {...}}`` or ``{"code": "<n>", "message": "…"}``, is
idempotent by order number, and serves each issued invoice as a small real PDF.
``refuse_next`` makes it refuse the next issue (as the tax platform does when its quota is used up).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

APP_ID = "gj-test-app"
SECRET = "9f2c1e7a5b3d4c6e8a0b2d4f6e8c0a1b"


def _pdf(text: str) -> bytes:
    """A one-page PDF (reportlab), as the platform's invoice file would be."""
    import io

    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.drawString(72, 720, text)
    pdf.save()
    return buffer.getvalue()


class FakeInvoicing:
    def __init__(self):
        self.issued: dict[str, dict] = {}
        self.requests: list[dict] = []
        self.nonces: set[str] = set()
        self.refuse_next = ""
        self.counter = 24_440_000_000_000_000_00
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _verify(self, body: str):
                app_id = self.headers.get("X-App-Id", "")
                timestamp = self.headers.get("X-Timestamp", "")
                nonce = self.headers.get("X-Nonce", "")
                signature = self.headers.get("X-Signature", "")
                if app_id != APP_ID:
                    return {"code": "1001", "message": "invalid app id"}
                if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > 300:
                    return {"code": "1002", "message": "timestamp expired"}
                if not nonce or nonce in fake.nonces:
                    return {"code": "1003", "message": "nonce reused"}
                expected = hmac.new(
                    SECRET.encode(), f"{app_id}\n{timestamp}\n{nonce}\n{body}".encode(), hashlib.sha256
                ).hexdigest()
                if not hmac.compare_digest(expected, signature):
                    return {"code": "1004", "message": "signature mismatch"}
                fake.nonces.add(nonce)
                return None

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                fake.requests.append({"path": self.path, "body": body})
                if self.path != "/v1/invoices":
                    return self._json({"code": "404", "message": "not found"}, 404)
                error = self._verify(body)
                if error:
                    return self._json(error, 401)
                data = json.loads(body)
                buyer = data.get("buyer") or {}
                tax_no = buyer.get("tax_no") or ""
                if not buyer.get("title") or (tax_no and not 15 <= len(tax_no) <= 20):
                    return self._json({"code": "2001", "message": "invalid buyer"})
                items_total = sum(Decimal(i["amount"]) for i in data.get("items") or [])
                if items_total != Decimal(data.get("total") or "0") or items_total <= 0:
                    return self._json({"code": "2002", "message": "total does not match items"})
                if fake.refuse_next:
                    message, fake.refuse_next = fake.refuse_next, ""
                    return self._json({"code": "3001", "message": message})
                order = data["order_no"]
                if order not in fake.issued:
                    fake.counter += 1
                    number = str(fake.counter)
                    fake.issued[order] = {
                        "invoice_no": number,
                        "issued_at": time.strftime("%Y-%m-%d %H:%M:%S"),
                        "pdf_url": f"{fake.url}/v1/invoices/{number}.pdf",
                        "total": data["total"],
                        "buyer": buyer,
                    }
                return self._json({"code": "0", "data": fake.issued[order]})

            def do_GET(self):
                fake.requests.append({"path": self.path, "body": ""})
                error = self._verify("")
                if error:
                    return self._json(error, 401)
                for invoice in fake.issued.values():
                    if invoice["pdf_url"].endswith(self.path):
                        content = _pdf(f"INVOICE {invoice['invoice_no']} TOTAL {invoice['total']}")
                        self.send_response(200)
                        self.send_header("Content-Type", "application/pdf")
                        self.send_header("Content-Length", str(len(content)))
                        self.end_headers()
                        self.wfile.write(content)
                        return None
                return self._json({"code": "404", "message": "not found"}, 404)

            def _json(self, body, status=200):
                data = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
