"""The fake Alipay gateway (guanjia/testing/fake_alipay.py) as a process of its own on 127.0.0.1,
for the load test of .ci/production: the app servers are configured for it from the environment
file, as a deployment is for Alipay.

    python benchmarks/load/gateway.py DIR

writes ``DIR/app_private_key.pem`` (the app's key: the app signs its requests),
``DIR/alipay_public_key.pem`` (the fake's: the app verifies answers and notifies) and
``DIR/gateway.env`` (the ``GUANJIA_ALIPAY_*`` lines, written last: the job waits for it), then
serves until stopped. Besides Alipay's ``/gateway.do`` it answers ``POST /_load/pay?out_trade_no=…``:
the resident pays an order whose pay link was opened; Alipay's signed notify is sent to the order's
``notify_url`` at once (through nginx, ``NGINX_ADDRESS``) and the answer is the app's answer to it —
200 ``success``, anything else 502 — so a notify the app did not take is a failed request.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path
from urllib.parse import parse_qsl, urlparse

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from guanjia.testing import fake_alipay

# The notify URL names the site (GUANJIA_PAYMENTS_NOTIFY_BASE); it is sent to nginx by address,
# with the site's name, as DNS would send it there.
NGINX_ADDRESS = os.environ.get("NGINX_ADDRESS", "127.0.0.1:18443")
_client = httpx.Client(verify=False, timeout=30)  # noqa: S501  (the job's self-signed certificate)


def deliver(url: str, params: dict) -> tuple[int, str]:
    parts = urlparse(url)
    target = parts._replace(netloc=NGINX_ADDRESS).geturl()
    answer = _client.post(target, data=params, headers={"Host": parts.hostname or ""})
    return answer.status_code, answer.text


class LoadGateway(fake_alipay.FakeAlipay):
    def _handle(self, handler, body: bytes) -> None:
        path = urlparse(handler.path)
        if path.path != "/_load/pay":
            return super()._handle(handler, body)
        out_trade_no = dict(parse_qsl(path.query)).get("out_trade_no", "")
        with self._lock:
            trade = self.trades.get(out_trade_no)
            if trade is None or not trade.created:
                return self._send(handler, 404, b"trade not opened", "text/plain")
            if trade.trade_status == "WAIT_BUYER_PAY":
                trade.trade_status = "TRADE_SUCCESS"
                trade.gmt_payment = fake_alipay._now()
        answer = self.send(self.notify_for(trade))
        self._send(handler, 200 if answer == "success" else 502, answer.encode(), "text/plain")


def main(directory: str) -> None:
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    app = fake_alipay.settings_for_app()
    (out / "app_private_key.pem").write_text(app["private_key"])
    (out / "alipay_public_key.pem").write_text(app["public_key"])
    gateway = LoadGateway(deliver=deliver)
    gateway.server.daemon_threads = True
    with gateway:
        (out / "gateway.env.tmp").write_text(
            f"GUANJIA_ALIPAY_APP_ID={app['app_id']}\n"
            f"GUANJIA_ALIPAY_PRIVATE_KEY={out / 'app_private_key.pem'}\n"
            f"GUANJIA_ALIPAY_PUBLIC_KEY={out / 'alipay_public_key.pem'}\n"
            f"GUANJIA_ALIPAY_SELLER_ID={app['seller_id']}\n"
            f"GUANJIA_ALIPAY_GATEWAY={gateway.gateway}\n"
        )
        (out / "gateway.env.tmp").rename(out / "gateway.env")
        print(f"fake Alipay gateway at {gateway.gateway}", flush=True)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        stop.wait()


if __name__ == "__main__":
    main(sys.argv[1])
