from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    """Staff evaluation (考核): per-person figures, quarterly ranking sheets, service stars, training.

    It sits above tickets, sla and boards (its figures read their work), while ``staff`` (the people,
    roles, skills and rota) stays below them; docs/staff.md."""

    name = "guanjia.evaluation"
    label = "evaluation"
    verbose_name = _("员工考核")

    def ready(self) -> None:
        from guanjia.evaluation import kinds, lists

        kinds.register()  # rewards and penalties: proposed, decided, overdue
        lists.register()  # rewards and penalties as .xlsx (dataio)
