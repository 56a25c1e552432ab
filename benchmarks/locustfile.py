"""Load on the production set-up (.ci/production with CI_LOAD_SECONDS; docs/performance.md).

Staff at the service desk, through nginx over https, with the API as the console's pages and the
phones use it. Each simulated person signs in for a token of their own and comes from an address of
their own (X-Forwarded-For, as behind a front load balancer: the rate limits count per token and per
address, as for real people), then, between 0.5 and 2 s apart:

| weight | request | what |
|---|---|---|
| 5 | `GET /api/v1/tickets?page_size=25` | the request list (desk, phones) |
| 3 | `GET /api/v1/tickets/{id}` | a request's detail (a recent one of this run) |
| 1 | `POST /api/v1/tickets` | a new request |
| 1 | `GET /api/v1/figures?group_by=category&period=month` | the manager's figures (read replica) |

Reads its data from ``LOAD_CONFIG`` (a JSON file the CI job writes: username, password, unit and
category ids). ``benchmarks/load_table.py`` turns locust's CSV into the table of the docs.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import threading

from locust import HttpUser, between, task

CONFIG = json.loads(open(os.environ["LOAD_CONFIG"], encoding="utf-8").read())  # noqa: SIM115
HOST_HEADER = CONFIG.get("host_header", "guanjia.example.com")
_addresses = itertools.count(1)
_recent: list[int] = []
_recent_lock = threading.Lock()


class DeskStaff(HttpUser):
    wait_time = between(0.5, 2)

    def on_start(self):
        n = next(_addresses)
        self.client.verify = False  # the job's self-signed certificate
        self.client.headers.update(
            {"Host": HOST_HEADER, "X-Forwarded-For": f"198.51.{100 + n // 250}.{n % 250 + 1}"}
        )
        answer = self.client.post(
            "/api/v1/auth/token",
            json={"username": CONFIG["username"], "password": CONFIG["password"]},
            name="sign-in (token)",
        )
        answer.raise_for_status()
        self.client.headers["Authorization"] = f"Bearer {answer.json()['token']}"

    @task(5)
    def ticket_list(self):
        with self.client.get("/api/v1/tickets?page_size=25", name="list", catch_response=True) as r:
            if r.status_code == 200 and isinstance(r.json(), list | dict):
                rows = r.json() if isinstance(r.json(), list) else r.json().get("items", [])
                with _recent_lock:
                    _recent.extend(row["id"] for row in rows[:5] if "id" in row)
                    del _recent[:-200]

    @task(3)
    def ticket_detail(self):
        with _recent_lock:
            pk = random.choice(_recent) if _recent else None
        if pk is not None:
            self.client.get(f"/api/v1/tickets/{pk}", name="detail")

    @task(1)
    def ticket_create(self):
        answer = self.client.post(
            "/api/v1/tickets",
            json={
                "unit_id": CONFIG["unit_id"],
                "category_id": CONFIG["category_id"],
                "description": "压测：厨房水管漏水",
            },
            name="create",
        )
        if answer.status_code == 201:
            with _recent_lock:
                _recent.append(answer.json()["id"])

    @task(1)
    def figures(self):
        self.client.get("/api/v1/figures?group_by=category&period=month", name="figures")
