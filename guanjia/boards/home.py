"""Each role's home page: HQ the whole company in numbers, project staff their projects and their
work, residents their units and requests."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import redirect, render

from guanjia.core.roles import Perm
from guanjia.core.scoping import scope_for
from guanjia.estates.choices import UnitStatus
from guanjia.estates.models import Building, Occupancy, Project, Resident, Unit, unit_order
from guanjia.tickets.choices import Status
from guanjia.tickets.models import Ticket
from guanjia.tickets.selectors import tickets_for


def _count_by(queryset, field: str) -> dict:
    return dict(queryset.values_list(field).annotate(n=Count("id")).values_list(field, "n"))


def _ticket_counts(user, scope) -> dict:
    """The service requests waiting for this person: "my work", "I am first contact for", and
    (for those who dispatch) the requests received but not yet sent to anyone."""
    open_tickets = Ticket.objects.visible_to(user).open()
    staff_id = scope.staff_id or -1
    return open_tickets.aggregate(
        mine=Count("id", filter=Q(assignee_id=staff_id)),
        first_contact=Count("id", filter=Q(first_contact_id=staff_id)),
        to_dispatch=Count("id", filter=Q(status=Status.RECEIVED)),
    )


@login_required
def home(request):
    """HQ: the whole company in numbers; project staff: their projects; residents: their units."""
    user = request.user
    scope = scope_for(user)
    context = {"role_labels": sorted(scope.roles)}
    if scope.is_resident:
        context["occupancies"] = (
            Occupancy.objects.visible_to(user)
            .current()
            .select_related("unit__building", "project")
            .order_by("project__name", *unit_order("unit__"))
        )
        context["resident"] = Resident.objects.visible_to(user).first()
        context["tickets"] = tickets_for(user).order_by("-received_at", "-id")[:5]
        return render(request, "boards/home_resident.html", context)
    if scope.is_external_auditor:
        # A third-party auditor sees audits and nothing else: their home is their audit list.
        return redirect("quality:audit_list")
    if Perm.VIEW_ESTATES not in scope.permissions:
        return render(request, "boards/home.html", context)
    units = Unit.objects.visible_to(user)
    status_counts = _count_by(units, "status")
    projects = list(Project.objects.visible_to(user))
    units_by_project = _count_by(units, "project_id")
    buildings_by_project = _count_by(Building.objects.visible_to(user), "project_id")
    occupied_by_project = _count_by(units.filter(status=UnitStatus.OCCUPIED), "project_id")
    for project in projects:
        project.n_buildings = buildings_by_project.get(project.id, 0)
        project.n_units = units_by_project.get(project.id, 0)
        project.n_occupied = occupied_by_project.get(project.id, 0)
    context.update(
        work=_ticket_counts(user, scope),
        is_hq=scope.is_hq,
        projects=projects,
        totals={
            "projects": len(projects),
            "buildings": sum(buildings_by_project.values()),
            "units": sum(status_counts.values()),
            "residents": Resident.objects.visible_to(user).count(),
        },
        statuses=[(value, label, status_counts.get(value, 0)) for value, label in UnitStatus.choices],
    )
    return render(request, "boards/home.html", context)
