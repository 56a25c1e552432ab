"""What the parts of the production check share: the addresses, HTTP clients as a browser and as
nginx reach the app servers, the people and the building the checks use, small waits."""

from __future__ import annotations

import os
import re
import time
from contextlib import contextmanager

import httpx

from guanjia.core.models import Company
from guanjia.core.roles import Role
from guanjia.estates.models import Project
from guanjia.staff.choices import Department
from guanjia.testing import factories as f

HOST = "guanjia.example.com"
NGINX = os.environ["CI_HTTPS"]
APP_A, APP_B = os.environ["CI_APP_A"], os.environ["CI_APP_B"]
PASSWORD = "Guanjia-CI-staff-2026"
TIMINGS: list[tuple[str, float]] = []


@contextmanager
def part(name: str):
    started = time.monotonic()
    print(f"-- {name}", flush=True)
    yield
    TIMINGS.append((name, time.monotonic() - started))


# --- HTTP ---------------------------------------------------------------------------------------


def nginx_client() -> httpx.Client:
    # The job's certificate is self-signed for guanjia.example.com; nginx is reached by address.
    return httpx.Client(base_url=NGINX, headers={"Host": HOST}, verify=False, timeout=30)  # noqa: S501


def backend(base: str, cookies: dict[str, str] | None = None) -> httpx.Client:
    """An app server reached as nginx reaches it: the site's host, the forwarded scheme and client."""
    headers = {"Host": HOST, "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    return httpx.Client(base_url=base, headers=headers, timeout=30)


def login(client: httpx.Client, username: str, password: str, origin: str) -> dict[str, str]:
    """The console's login form, as a browser fills it; returns the session and CSRF cookies."""
    page = client.get("/login/")
    assert page.status_code == 200, page.status_code
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    cookies = {"csrftoken": page.cookies.get("csrftoken") or client.cookies.get("csrftoken")}
    answer = client.post(
        "/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{origin}/login/", "Cookie": f"csrftoken={cookies['csrftoken']}"},
    )
    assert answer.status_code == 302, (answer.status_code, answer.text[:500])
    cookies["sessionid"] = answer.cookies["sessionid"]
    return cookies


def token_for(base: str, username: str) -> str:
    with backend(base) as c:
        answer = c.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 201, answer.text
    return answer.json()["token"]


# --- the world ----------------------------------------------------------------------------------


def people():
    company = Company.objects.get(short_code="JY")
    project = Project.objects.get(company=company, code="JY")
    building = f.BuildingFactory(project=project, name="1栋")
    unit = f.UnitFactory(building=building, number="1201")
    f.OccupancyFactory(unit=unit)

    def staff(username, roles, department=Department.SERVICE, projects=(project,)):
        member = f.make_staff(
            company=company, roles=roles, projects=projects, department=department, name=username
        )
        user = member.user
        user.username, user.email = username, f"{username}@example.com"
        user.set_password(PASSWORD)
        user.save()
        return member

    crew = {
        "desk": staff("desk", [Role.DESK]),
        "tech": staff("tech", [Role.TECHNICIAN], Department.ENGINEERING),
        "head": staff("head", [Role.DEPARTMENT_HEAD], Department.ENGINEERING),
        "manager": staff("manager", [Role.PROJECT_MANAGER]),
        "hq": staff("hq", [Role.HQ_CENTER], projects=()),
    }
    from guanjia.tickets.models import TicketCategory

    leak = TicketCategory.objects.get(company=company, name="漏水")
    return company, unit, leak, crew


def png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (320, 240), (20, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def wait(condition, seconds: float, what: str) -> None:
    deadline_at = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline_at:
            raise AssertionError(f"{what}: not within {seconds} s")
        time.sleep(0.2)


def group_of(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return None


def as_postgres(command: str) -> str:
    return f"runuser -u postgres -- {command}" if os.geteuid() == 0 else command
