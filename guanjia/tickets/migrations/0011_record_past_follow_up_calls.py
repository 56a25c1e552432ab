"""One ``FollowUpCall`` per follow-up already recorded, one ``TicketRework`` per rework already
started, and ``Ticket.completed_by`` of the current round — read back from the timeline.

Each ``follow_up`` event is a call (its data holds ``satisfied`` and ``score``); an unsatisfied one,
and each ``reopen``, started a round of rework. Whose work a round was is read as whoever completed
it (the ``complete`` event's actor): the assignee for repairs, the desk for what it resolved itself.
"""

from django.db import migrations

BATCH = 2000


def forwards(apps, schema_editor):
    Ticket = apps.get_model("tickets", "Ticket")
    TicketEvent = apps.get_model("tickets", "TicketEvent")
    FollowUpCall = apps.get_model("tickets", "FollowUpCall")
    TicketRework = apps.get_model("tickets", "TicketRework")
    StaffMember = apps.get_model("staff", "StaffMember")

    staff_of = dict(StaffMember.objects.filter(user_id__isnull=False).values_list("user_id", "id"))
    calls, reworks, completed_by = [], [], {}
    state = {"ticket": None, "round": 0, "completer": None}

    def flush():
        if len(calls) >= BATCH:
            FollowUpCall.objects.bulk_create(calls)
            calls.clear()
        if len(reworks) >= BATCH:
            TicketRework.objects.bulk_create(reworks)
            reworks.clear()

    events = (
        TicketEvent.objects.filter(action__in=["complete", "follow_up", "reopen"])
        .order_by("ticket_id", "time", "id")
        .values_list("ticket_id", "company_id", "project_id", "time", "actor_id", "action", "data")
    )
    for ticket_id, company_id, project_id, time, actor_id, action, data in events.iterator(chunk_size=BATCH):
        if ticket_id != state["ticket"]:
            state.update(ticket=ticket_id, round=0, completer=None)
        where = {"company_id": company_id, "project_id": project_id, "ticket_id": ticket_id}
        data = data or {}
        if action == "complete":
            state["completer"] = staff_of.get(actor_id)
            completed_by[ticket_id] = state["completer"]
            continue
        if action == "follow_up":
            score, satisfied = data.get("score"), data.get("satisfied")
            if isinstance(score, int) and 1 <= score <= 5 and satisfied is not None:
                calls.append(
                    FollowUpCall(
                        **where,
                        round=state["round"],
                        made_at=time,
                        made_by_id=staff_of.get(actor_id),
                        handler_id=state["completer"],
                        satisfied=bool(satisfied),
                        score=score,
                    )
                )
            if satisfied is not False:
                continue
        state["round"] += 1
        reworks.append(
            TicketRework(
                **where,
                round=state["round"],
                started_at=time,
                reason="follow_up" if action == "follow_up" else "reopen",
                handler_id=state["completer"],
            )
        )
        state["completer"] = None
        completed_by[ticket_id] = None
        flush()
    FollowUpCall.objects.bulk_create(calls)
    TicketRework.objects.bulk_create(reworks, ignore_conflicts=True)
    current = [
        Ticket(pk=pk, completed_by_id=staff)
        for pk, staff in completed_by.items()
        if staff is not None
    ]
    # Only requests whose current round is completed carry who completed it.
    done = set(Ticket.objects.filter(completed_at__isnull=False).values_list("pk", flat=True))
    Ticket.objects.bulk_update([t for t in current if t.pk in done], ["completed_by"], batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0010_follow_up_calls_and_rework"),
        ("staff", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
