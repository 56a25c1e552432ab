"""The request loop of the production CI job (.ci/production) across nginx, two app servers, two
Huey consumers and the scheduler, PostgreSQL primary + replica, Redis and the S3 object store.

It reads the same environment as the services (deploy/guanjia.env filled in by the job), uses the
ORM for what a person would do in the console before (staff, a building) and to check rows, and
talks HTTP to nginx (https, as a browser) and to each app server directly (as nginx does) to prove
that nothing an app server keeps is needed by the other. Prints a timing per part; exits non-zero
(AssertionError) on the first thing that is not as it must be.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
django.setup()
logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request would bury the job's own

from production_checks.common import TIMINGS, part, people  # noqa: E402
from production_checks.jobs import consumer_killed_mid_send, escalations_once_with_two_consumers  # noqa: E402
from production_checks.replica import figures_from_the_replica, replica_cut_off_from_the_primary  # noqa: E402
from production_checks.web import (  # noqa: E402
    access_log_lines_are_json,
    photo_through_a_served_through_b,
    sessions_are_shared,
)


def main():
    with part("people and a building (ORM, as an administrator would in the console)"):
        _company, unit, leak, crew = people()
    with part("a session started through nginx and on A works on B"):
        admin_session, desk_session = sessions_are_shared()
    with part("a photo uploaded through A is served through B, privately, by an expiring link"):
        token = photo_through_a_served_through_b(unit, leak, desk_session, admin_session)
    with part("each escalation step and each e-mail once, with two consumers and the scheduler"):
        escalations_once_with_two_consumers(unit, leak, crew, token)
    with part("figures and exports from the replica, agreeing with the primary; replica stopped"):
        figures_from_the_replica(token)
    with part("a replica cut off from the primary (answering, lag 0 by replay) is not read"):
        replica_cut_off_from_the_primary(unit, leak, token)
    with part("gunicorn's access lines are JSON with the request id"):
        access_log_lines_are_json()
    with part("a Huey consumer killed with SIGKILL mid-send: nothing lost, nothing twice"):
        consumer_killed_mid_send(crew)
    print("== production check passed")
    for name, seconds in TIMINGS:
        print(f"   {seconds:6.1f} s  {name}")


if __name__ == "__main__":
    main()
