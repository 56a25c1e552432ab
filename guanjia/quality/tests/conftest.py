import pytest

from guanjia.core.roles import Role
from guanjia.quality import services
from guanjia.quality.models import AuditPlan
from guanjia.staff.choices import Department
from guanjia.staff.models import StaffMember
from guanjia.testing import factories as f


@pytest.fixture
def qw(world):
    """The scoping world plus quality's people: an HQ quality auditor, a third-party auditor given
    project P1 only, a service-team owner at P1, and the default checklist."""
    world.quality = f.make_staff(
        company=world.company, roles=[Role.HQ_QUALITY], department=Department.QUALITY, name="品质专员"
    ).user
    world.auditor = f.make_staff(
        company=world.company,
        roles=[Role.EXTERNAL_AUDITOR],
        projects=[world.project],
        department=Department.QUALITY,
        name="第三方核查员",
    ).user
    world.owner = f.make_staff(
        company=world.company, roles=[Role.DESK], projects=[world.project], name="客服主管"
    ).user
    world.template = services.template_install_default(company=world.company)
    world.staff = {
        name: StaffMember.objects.get(user=getattr(world, name))
        for name in ["quality", "auditor", "owner", "manager", "desk"]
    }
    return world


def make_plan(qw, *, auditor="quality", kind="open", project=None):
    return AuditPlan.objects.create(
        company=qw.company,
        project=project or qw.project,
        template=qw.template,
        kind=kind,
        auditor=qw.staff[auditor],
    )


def fill(audit, user, *, fail_keys=(), na_keys=()):
    """Answer every item: pass, except the failed (with a note) and N/A ones."""
    for result in audit.results.select_related("item"):
        key = result.item.key
        outcome = "fail" if key in fail_keys else "na" if key in na_keys else "pass"
        services.audit_record(
            actor=user,
            result=result,
            data={
                "outcome": outcome,
                "sample_taken": "前台张三、李四",
                "note": "答不出" if outcome == "fail" else "",
            },
        )
