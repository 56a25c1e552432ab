"""A new company, from nothing: the company, its first projects, its administrator, every app's defaults.

This is the way into a fresh installation (``manage.py create_company``): ``createsuperuser`` gives a
user who belongs to no company and therefore sees nothing. Everything happens in one transaction —
a bad value anywhere creates nothing — and is journaled as done by a command.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from guanjia.core.bootstrap import run_company_starters
from guanjia.core.context import Source, change_context
from guanjia.core.models import Company
from guanjia.core.phones import normalise_phone
from guanjia.core.roles import Role
from guanjia.estates.choices import ProjectKind
from guanjia.estates.models import Project
from guanjia.staff.choices import DEFAULT_SKILLS, Department
from guanjia.staff.models import Skill, StaffMember, StaffRole

_CODE = re.compile(r"^[A-Z][A-Z0-9]{0,7}$")


@dataclass
class ProjectSpec:
    code: str
    name: str
    kind: str = ProjectKind.RESIDENTIAL
    city: str = ""


@dataclass
class NewCompany:
    name: str
    short_code: str
    admin_username: str
    admin_name: str
    admin_phone: str = ""
    admin_password: str = ""
    projects: list[ProjectSpec] = field(default_factory=list)


@dataclass
class Bootstrapped:
    company: Company
    projects: list[Project]
    admin: StaffMember
    password: str  # as given, or generated: shown once to whoever ran the command
    generated_password: bool
    starters: list[str]


def skills_ensure(*, company, actor=None) -> int:
    """The default skill list (水电, 电梯…) a company's technicians are tagged with; idempotent."""
    have = set(Skill.objects.filter(company=company).values_list("name", flat=True))
    missing = [Skill(company=company, name=name) for name in DEFAULT_SKILLS if name not in have]
    for skill in missing:
        skill.save()  # one by one: each gets its journal entry
    return len(missing)


def _check(spec: NewCompany) -> dict[str, str]:
    """Every problem at once, each under the field (the command's option) it is about."""
    errors: dict[str, str] = {}
    if not spec.name.strip():
        errors["name"] = _("请填写公司名称")
    elif Company.objects.filter(name=spec.name.strip()).exists():
        errors["name"] = _("已有名为“%(name)s”的公司") % {"name": spec.name.strip()}
    if not _CODE.match(spec.short_code):
        errors["code"] = _("简码为 1–8 位大写字母或数字，以字母开头，如 JY")
    elif Company.objects.filter(short_code=spec.short_code).exists():
        errors["code"] = _("简码“%(code)s”已被使用") % {"code": spec.short_code}
    if not spec.admin_username.strip():
        errors["admin"] = _("请填写管理员的登录名")
    elif get_user_model().objects.filter(username=spec.admin_username.strip()).exists():
        errors["admin"] = _("登录名“%(username)s”已被使用") % {"username": spec.admin_username.strip()}
    if not spec.admin_name.strip():
        errors["admin_name"] = _("请填写管理员姓名")
    if spec.admin_phone:
        try:
            normalise_phone(spec.admin_phone)
        except ValidationError as error:
            errors["admin_phone"] = error.messages[0]
    if spec.admin_password:
        try:
            validate_password(spec.admin_password)
        except ValidationError as error:
            errors["password"] = " ".join(error.messages)
    seen_codes: set[str] = set()
    seen_names: set[str] = set()
    for number, project in enumerate(spec.projects, 1):
        if not _CODE.match(project.code):
            errors[f"project[{number}]"] = _("项目编码“%(code)s”应为 1–8 位大写字母或数字") % {
                "code": project.code
            }
        elif not project.name.strip():
            errors[f"project[{number}]"] = _("请填写项目名称")
        elif project.kind not in ProjectKind.values:
            errors[f"project[{number}]"] = _("项目类型应为 %(kinds)s 之一") % {
                "kinds": ", ".join(ProjectKind.values)
            }
        elif project.code in seen_codes or project.name in seen_names:
            errors[f"project[{number}]"] = _("项目编码和名称不能重复")
        seen_codes.add(project.code)
        seen_names.add(project.name)
    return errors


def company_bootstrap(spec: NewCompany) -> Bootstrapped:
    """Create the company, its projects and its administrator, then give it every app's defaults.

    Raises ``ValidationError`` (a dict keyed by field) and creates nothing when any value is wrong.
    """
    errors = _check(spec)
    if errors:
        raise ValidationError(errors)
    password = spec.admin_password or secrets.token_urlsafe(12)
    with change_context(source=Source.COMMAND), transaction.atomic():
        company = Company.objects.create(name=spec.name.strip(), short_code=spec.short_code)
        projects = [
            Project.objects.create(
                company=company, code=p.code, name=p.name.strip(), kind=p.kind, city=p.city.strip()
            )
            for p in spec.projects
        ]
        user = get_user_model().objects.create_user(
            username=spec.admin_username.strip(),
            password=password,
            company=company,
            display_name=spec.admin_name.strip(),
            is_staff=True,  # administrators may use the company-scoped Django admin
        )
        admin = StaffMember.objects.create(
            company=company,
            user=user,
            name=spec.admin_name.strip(),
            phone=normalise_phone(spec.admin_phone) if spec.admin_phone else "",
            department=Department.MANAGEMENT,
            position=_("系统管理员"),
        )
        StaffRole.objects.create(company=company, staff=admin, role=Role.COMPANY_ADMIN)
        admin.projects.set(projects)
        starters = run_company_starters(company)
    return Bootstrapped(
        company=company,
        projects=projects,
        admin=admin,
        password=password,
        generated_password=not spec.admin_password,
        starters=starters,
    )
