from django.core.management.base import BaseCommand

from guanjia.core.context import Source, change_context
from guanjia.core.models import Company
from guanjia.sla.services import sla_defaults_ensure


class Command(BaseCommand):
    help = "为每家公司补齐默认服务日历、今明两年法定节假日/调休和默认时限策略（可重复运行）。"

    def handle(self, *args, **options):
        with change_context(source=Source.COMMAND):
            for company in Company.objects.order_by("id"):
                sla_defaults_ensure(company=company)
                self.stdout.write(f"{company.name}: ok")
