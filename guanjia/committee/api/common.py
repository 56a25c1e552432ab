"""What the committee's resources share: the staff check and the project reference."""

from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.core.services import visible_reference
from guanjia.estates.models import Project


def _staff(request) -> None:
    require(request.user, Perm.VIEW_COMMITTEE)


def _project(request, project_id) -> Project:
    return visible_reference(Project, project_id, request.user, field="project_id")
