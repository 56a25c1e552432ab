"""The invoicing backend (电子发票): the tax platforms offer no open SDK, so the company's invoicing
service (a tax-control intermediary) is reached through one small HTTP interface, configured from
the environment (``GUANJIA_INVOICE_URL``, ``_APP_ID``, ``_SECRET``, ``_SELLER_TAX_NO``).

``POST {url}/v1/invoices`` with a JSON body ``{"order_no", "buyer": {"title", "tax_no", "email"},
"seller_tax_no", "items": [{"name", "amount"}], "total"}``; every request carries ``X-App-Id``,
``X-Timestamp`` (seconds), ``X-Nonce`` and ``X-Signature``: the lower-case hex HMAC-SHA256 with the
secret of ``app_id + "\\n" + timestamp + "\\n" + nonce + "\\n" + body``. Success is
``{"code": "0", "data": {"invoice_no", "issued_at", "pdf_url"}}``; a refusal is
``{"code": "<non-zero>", "message": "…"}``. The PDF at ``pdf_url`` is fetched with the same headers
(signed over an empty body) and kept in our storage. Issuing twice with one ``order_no`` returns the
first invoice (the service is idempotent by order number).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

from django.conf import settings


class InvoiceBackendError(Exception):
    """The invoicing service refused or could not be reached; the message says why."""


@dataclass(frozen=True)
class IssuedInvoice:
    number: str
    pdf: bytes


def sign(secret: str, app_id: str, timestamp: str, nonce: str, body: str) -> str:
    message = f"{app_id}\n{timestamp}\n{nonce}\n{body}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


class HttpInvoiceBackend:
    def __init__(self, *, url: str, app_id: str, secret: str, seller_tax_no: str = "", timeout: float = 10):
        self.url, self.app_id, self.secret = url.rstrip("/"), app_id, secret
        self.seller_tax_no, self.timeout = seller_tax_no, timeout

    def _headers(self, body: str) -> dict:
        timestamp, nonce = str(int(time.time())), secrets.token_hex(8)
        return {
            "Content-Type": "application/json; charset=utf-8",
            "X-App-Id": self.app_id,
            "X-Timestamp": timestamp,
            "X-Nonce": nonce,
            "X-Signature": sign(self.secret, self.app_id, timestamp, nonce, body),
        }

    def issue(
        self, *, order_no: str, title: str, tax_no: str, email: str, items: list[dict], total
    ) -> IssuedInvoice:
        body = json.dumps(
            {
                "order_no": order_no,
                "buyer": {"title": title, "tax_no": tax_no, "email": email},
                "seller_tax_no": self.seller_tax_no,
                "items": items,
                "total": str(total),
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
        import httpx  # ~18 MB: loaded by the first invoice issued, not by every worker at start

        try:
            with httpx.Client(timeout=self.timeout) as client:
                answer = client.post(
                    f"{self.url}/v1/invoices", content=body.encode(), headers=self._headers(body)
                )
                payload = answer.json()
                if str(payload.get("code")) != "0":
                    raise InvoiceBackendError(payload.get("message") or f"code {payload.get('code')}")
                data = payload["data"]
                pdf = client.get(data["pdf_url"], headers=self._headers(""))
                pdf.raise_for_status()
        except (httpx.HTTPError, ValueError, KeyError) as exc:
            raise InvoiceBackendError(str(exc) or exc.__class__.__name__) from exc
        if not pdf.content.startswith(b"%PDF"):
            raise InvoiceBackendError("the invoice file is not a PDF")
        return IssuedInvoice(number=str(data["invoice_no"]), pdf=pdf.content)


def backend() -> HttpInvoiceBackend | None:
    """The configured invoicing service, or None (finance then marks invoices issued by hand)."""
    if not settings.GUANJIA_INVOICE_URL:
        return None
    return HttpInvoiceBackend(
        url=settings.GUANJIA_INVOICE_URL,
        app_id=settings.GUANJIA_INVOICE_APP_ID,
        secret=settings.GUANJIA_INVOICE_SECRET,
        seller_tax_no=settings.GUANJIA_INVOICE_SELLER_TAX_NO,
    )
