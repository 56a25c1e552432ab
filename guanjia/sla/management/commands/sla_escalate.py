from django.core.management.base import BaseCommand

from guanjia.sla.tasks import run_escalations


class Command(BaseCommand):
    help = "立即执行一次时限升级（与每分钟的后台任务相同，可重复运行，每级只升级一次）。"

    def handle(self, *args, **options):
        self.stdout.write(f"{run_escalations()} escalation step(s) taken")
