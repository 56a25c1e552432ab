"""manage.py calendar_year: enter a year's public holidays and make-up days from a text file."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from guanjia.core.context import Source, change_context
from guanjia.core.models import Company
from guanjia.sla.calendar_year import calendar_year_enter
from guanjia.sla.choices import CalendarKind
from guanjia.sla.models import Calendar


class Command(BaseCommand):
    help = (
        "录入某一年的法定节假日和调休（替换该年已有的），文件每行：日期[~日期] 休|班 [说明]，"
        "如 2027-02-15~2027-02-21 休 春节。默认写入公司所有“工作时间”日历。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--company", required=True, help="公司简码，如 JY")
        parser.add_argument("--year", required=True, type=int)
        parser.add_argument("--file", required=True, help="安排文本（UTF-8）；- 为标准输入")
        parser.add_argument("--calendar", help="只写入这一个日历（名称）")

    def handle(self, *args, **options):
        company = Company.objects.filter(short_code=options["company"]).first()
        if company is None:
            raise CommandError(f"--company: 没有简码为 {options['company']} 的公司")
        if options["file"] == "-":
            import sys

            text = sys.stdin.read()
        else:
            try:
                with open(options["file"], encoding="utf-8-sig") as handle:
                    text = handle.read()
            except OSError as error:
                raise CommandError(f"--file: {error}") from error
        calendars = Calendar.objects.filter(company=company, kind=CalendarKind.BUSINESS).order_by("name")
        if options["calendar"]:
            calendars = calendars.filter(name=options["calendar"])
        if not calendars:
            raise CommandError("--calendar: 没有这样的“工作时间”日历")
        with change_context(source=Source.COMMAND):
            for calendar in calendars:
                try:
                    done = calendar_year_enter(actor=None, calendar=calendar, year=options["year"], text=text)
                except ValidationError as error:
                    lines = [f"--{k}: {m}" for k, messages in error.message_dict.items() for m in messages]
                    raise CommandError("没有录入任何内容：\n" + "\n".join(lines)) from error
                self.stdout.write(
                    f"{calendar.name}: {done.year} 年 放假 {done.days_off} 天，调休上班 {done.days_working} 天"
                    f"（替换原有 {done.replaced} 天）"
                )
