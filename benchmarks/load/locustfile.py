"""The mixed load of the production set-up (docs/load.md): desk staff, technicians on their phones,
residents reporting repairs and paying bills with Alipay, managers refreshing their boards — through
nginx over https, each simulated person from an address of their own (X-Forwarded-For, as behind a
front load balancer: rate limits count per token and per address, as for real people).

Reads ``LOAD_CONFIG`` (written by benchmarks/load/seed.py) and ``LOAD_GATEWAY`` (the fake Alipay
gateway's base URL). A request refused because someone else acted first — a technician's second
phone accepting a request the first one accepted, two phones of one resident paying the same bill —
is the 409 the API promises the loser of a collision: counted as such (``collision`` in the
request's name), not as an error; benchmarks/load/verify.py checks that every collision had one
winner.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import threading

from locust import HttpUser, between, task

CONFIG = json.loads(open(os.environ["LOAD_CONFIG"], encoding="utf-8").read())  # noqa: SIM115
GATEWAY = os.environ["LOAD_GATEWAY"]
HOST_HEADER = "guanjia.example.com"
_addresses = itertools.count(1)
_accounts = {kind: itertools.count() for kind in ("desk", "tech", "resident", "manager")}
_lock = threading.Lock()
_recent: list[int] = []  # requests of this run, for the desk's "open a request"


def _next(kind: str, pool: list):
    with _lock:
        return pool[next(_accounts[kind]) % len(pool)]


class Person(HttpUser):
    abstract = True

    def on_start(self):
        n = next(_addresses)
        self.client.verify = False  # the job's self-signed certificate
        self.client.headers.update(
            {"Host": HOST_HEADER, "X-Forwarded-For": f"198.51.{100 + n // 250}.{n % 250 + 1}"}
        )

    def sign_in(self, username: str) -> None:
        """A bearer token, as the phone apps and the API use."""
        answer = self.client.post(
            "/api/v1/auth/token",
            json={"username": username, "password": CONFIG["password"]},
            name="sign-in (token)",
        )
        answer.raise_for_status()
        self.client.headers["Authorization"] = f"Bearer {answer.json()['token']}"

    def act(self, ticket: dict, action: str, name: str, **data) -> bool:
        """A request's action with the version the phone showed; 409 is a collision lost."""
        with self.client.post(
            f"/api/v1/tickets/{ticket['id']}/{action}",
            json={"expected_version": ticket.get("version", ""), **data},
            name=name,
            catch_response=True,
        ) as r:
            if r.status_code == 409:
                r.request_meta["name"] = f"{name} (collision lost, 409)"
                r.success()
                return False
            return r.status_code == 200


class DeskStaff(Person):
    """The service desk: the console's request list, the open requests, a request received on the
    phone for a resident and sent to a technician, a request opened."""

    fixed_count = 4
    wait_time = between(1, 3)

    def on_start(self):
        super().on_start()
        username = _next("desk", CONFIG["desks"])
        self.console_login(username)
        self.sign_in(username)
        self.units = [r["unit_id"] for r in CONFIG["residents"]]

    def console_login(self, username: str) -> None:
        page = self.client.get("/login/", name="console: login page")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        self.client.post(
            "/login/",
            data={"username": username, "password": CONFIG["password"], "csrfmiddlewaretoken": token},
            headers={"Referer": f"https://{HOST_HEADER}/login/"},
            name="console: sign in",
            allow_redirects=False,
        ).raise_for_status()
        self.session_cookie = self.client.cookies.get("sessionid")
        assert self.session_cookie, "no session after signing in"

    @task(3)
    def console_list(self):
        # The page the desk keeps open (HTML, the session cookie; no bearer token).
        self.client.get(
            "/tickets/",
            name="desk: console request list (HTML)",
            headers={"Authorization": None},
        )

    @task(4)
    def open_requests(self):
        with self.client.get(
            "/api/v1/tickets?open=true&page_size=25", name="desk: open requests", catch_response=True
        ) as r:
            if r.status_code == 200:
                body = r.json()
                rows = body if isinstance(body, list) else body.get("items", [])
                with _lock:
                    _recent.extend(row["id"] for row in rows[:5])
                    del _recent[:-300]

    @task(3)
    def open_request(self):
        with _lock:
            pk = random.choice(_recent) if _recent else None
        if pk is not None:
            self.client.get(f"/api/v1/tickets/{pk}", name="desk: a request")

    @task(2)
    def receive_and_dispatch(self):
        answer = self.client.post(
            "/api/v1/tickets",
            json={
                "unit_id": random.choice(self.units),
                "category_id": CONFIG["category_id"],
                "description": "压测：住户来电，卫生间漏水",
            },
            name="desk: new request (phone call)",
        )
        if answer.status_code != 201:
            return
        ticket = answer.json()
        with _lock:
            _recent.append(ticket["id"])
        technician = random.choice(CONFIG["technicians"])
        self.act(ticket, "dispatch", "desk: dispatch to a technician", assignee_id=technician["staff_id"])


class Technician(Person):
    """A technician's phone: my work, then the next step of one request sent to them (accept,
    arrive, complete with a note). Two phones per technician: they collide on purpose."""

    fixed_count = 8  # two phones per technician
    wait_time = between(1, 3)
    NEXT = {"dispatched": "accept", "accepted": "arrive", "on_site": "complete"}

    def on_start(self):
        super().on_start()
        self.sign_in(_next("tech", CONFIG["technicians"])["username"])

    @task(3)
    def my_work(self):
        self.client.get("/api/v1/tickets?assignee=me&open=true&page_size=25", name="tech: my work")

    @task(4)
    def next_step(self):
        answer = self.client.get(
            "/api/v1/tickets?assignee=me&status=dispatched&status=accepted&status=on_site&page_size=25",
            name="tech: my work",
        )
        if answer.status_code != 200:
            return
        body = answer.json()
        rows = body if isinstance(body, list) else body.get("items", [])
        if not rows:
            return
        row = random.choice(rows)
        detail = self.client.get(f"/api/v1/tickets/{row['id']}", name="tech: a request")
        if detail.status_code != 200:
            return
        ticket = detail.json()
        action = self.NEXT.get(ticket["status"])
        if action == "complete":
            self.act(ticket, action, "tech: complete", resolution="更换角阀，已试水无渗漏", note="压测完工")
        elif action:
            self.act(ticket, action, f"tech: {action}")


class Resident(Person):
    """A resident on the portal's API: their requests, a repair reported, their bills, one bill
    paid with Alipay (the pay link opened at the gateway, paid, Alipay's notify to the app)."""

    fixed_count = 12  # over 10 residents: two of them on two phones
    wait_time = between(2, 5)

    def on_start(self):
        super().on_start()
        me = _next("resident", CONFIG["residents"])  # in turn: the 11th and 12th phone are the 1st and 2nd
        self.unit_id = me["unit_id"]
        self.sign_in(me["username"])

    @task(3)
    def my_requests(self):
        self.client.get("/api/v1/tickets?page_size=10", name="resident: my requests")

    @task(1)
    def report(self):
        self.client.post(
            "/api/v1/tickets",
            json={
                "unit_id": self.unit_id,
                "category_id": CONFIG["category_id"],
                "description": "压测：阳台漏水",
            },
            name="resident: report a repair",
        )

    @task(3)
    def bills(self):
        self.client.get("/api/v1/bills?page_size=20", name="resident: my bills")

    @task(2)
    def pay(self):
        answer = self.client.get("/api/v1/bills?status=open&page_size=20", name="resident: my bills")
        if answer.status_code != 200:
            return
        body = answer.json()
        rows = body if isinstance(body, list) else body.get("items", [])
        if not rows:
            return
        bill = min(rows, key=lambda b: (b["due_on"], b["id"]))  # the oldest first
        with self.client.post(
            "/api/v1/pay-orders",
            json={"bill_ids": [bill["id"]], "channel": "alipay_wap"},
            name="resident: open an Alipay order",
            catch_response=True,
        ) as r:
            if r.status_code == 409:  # the other phone's order holds the bill
                r.request_meta["name"] = "resident: open an Alipay order (collision lost, 409)"
                r.success()
                return
            if r.status_code != 201:
                return
            order = r.json()
        # The phone opens the signed pay link (Alipay's cashier) and pays; Alipay notifies the app.
        self.client.get(order["h5_url"], name="alipay: cashier page", headers={"Host": None})
        self.client.post(
            f"{GATEWAY}/_load/pay?out_trade_no={order['out_trade_no']}",
            name="alipay: pay (notify to the app)",
            headers={"Host": None},
        )
        with self.client.get(
            f"/api/v1/pay-orders/{order['id']}", name="resident: the order", catch_response=True
        ) as r:
            if r.status_code == 200 and r.json()["status"] != "paid":
                r.failure(f"order {order['out_trade_no']} is {r.json()['status']} after the notify")


class Manager(Person):
    """A manager's screen: the HQ board and a project's board, refreshed every few seconds."""

    fixed_count = 2  # HQ's screen and the project manager's
    wait_time = between(3, 6)

    def on_start(self):
        super().on_start()
        self.hq = next(_accounts["manager"]) % 2 == 0
        self.sign_in(CONFIG["hq"] if self.hq else CONFIG["manager"])

    @task(4)
    def board(self):
        if self.hq:
            self.client.get("/api/v1/boards/hq", name="manager: HQ board")
        else:
            self.client.get(f"/api/v1/boards/projects/{CONFIG['project_id']}", name="manager: project board")

    @task(1)
    def figures(self):
        self.client.get("/api/v1/figures?group_by=category&period=month", name="manager: figures")
