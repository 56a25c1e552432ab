"""manage.py create_company: the first company, its projects and its administrator (see docs/deploy.md)."""

from __future__ import annotations

import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from guanjia.estates.choices import ProjectKind
from guanjia.staff.onboarding import NewCompany, ProjectSpec, company_bootstrap


def _project(value: str) -> ProjectSpec:
    parts = value.split(":")
    if len(parts) < 2 or len(parts) > 4:
        raise CommandError(
            f"--project “{value}”: 写作 编码:名称[:类型[:城市]]，如 JY:金苑花园:residential:杭州"
        )
    code, name, *rest = parts
    kind = rest[0] if rest and rest[0] else ProjectKind.RESIDENTIAL
    city = rest[1] if len(rest) > 1 else ""
    return ProjectSpec(code=code.strip(), name=name.strip(), kind=kind.strip(), city=city)


class Command(BaseCommand):
    help = (
        "新建一家物业公司、它的首批项目和系统管理员，并装好各模块的默认资料（类目、服务日历与时限、"
        "核查表、设备类型、应急预案）。管理员密码取自 --password-file 或环境变量 "
        "GUANJIA_ADMIN_PASSWORD，都没有时生成一个并只显示这一次。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="公司名称，如 金苑物业")
        parser.add_argument("--code", required=True, help="公司简码（单号前缀），如 JY")
        parser.add_argument("--admin", required=True, help="管理员登录名")
        parser.add_argument("--admin-name", required=True, help="管理员姓名")
        parser.add_argument("--admin-phone", default="", help="管理员手机号")
        parser.add_argument(
            "--project",
            action="append",
            default=[],
            metavar="CODE:NAME[:KIND[:CITY]]",
            help="一个项目；可重复。类型: " + ", ".join(ProjectKind.values),
        )
        parser.add_argument("--password-file", help="从文件第一行读管理员密码（不进命令历史）")

    def handle(self, *args, **options):
        password = os.environ.get("GUANJIA_ADMIN_PASSWORD", "")
        if options["password_file"]:
            try:
                with open(options["password_file"], encoding="utf-8") as handle:
                    password = handle.readline().rstrip("\r\n")
            except OSError as error:
                raise CommandError(f"--password-file: {error}") from error
        spec = NewCompany(
            name=options["name"],
            short_code=options["code"],
            admin_username=options["admin"],
            admin_name=options["admin_name"],
            admin_phone=options["admin_phone"],
            admin_password=password,
            projects=[_project(value) for value in options["project"]],
        )
        try:
            done = company_bootstrap(spec)
        except ValidationError as error:
            lines = [
                f"--{key.replace('_', '-')}: {' '.join(messages)}"
                for key, messages in error.message_dict.items()
            ]
            raise CommandError("没有创建任何内容：\n" + "\n".join(lines)) from error
        self.stdout.write(f"公司：{done.company.name}（{done.company.short_code}）")
        for project in done.projects:
            self.stdout.write(f"项目：{project.code} {project.name}")
        self.stdout.write(f"默认资料：{', '.join(done.starters)}")
        self.stdout.write(f"管理员：{done.admin.user.username}（{done.admin.name}）")
        if done.generated_password:
            self.stdout.write(f"初始密码（只显示这一次，请登录后修改）：{done.password}")
