"""The figures' daily roll-up: derived numbers, recomputed by a job, never edited by anyone.

Figures over months of history at company scale cannot be aggregated from millions of requests on
every page view. ``FigureDay`` holds, per company, project, local day and grouping key, the same
sums the live figures compute; ``FigureRollup`` records which days are rolled up — today's only up
to the job's last run (``through``: the rest of the day is read live). Days without a roll-up are
aggregated live, so a figure never depends on the job having run — it is only faster when it has.
Not journaled: these rows are a cache of journaled records.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from guanjia.core.scoping import ScopedQuerySet

SCORES = (1, 2, 3, 4, 5)
STAGES = ("response", "on_site", "complete", "feedback", "follow_up")  # sla.choices.Stage values
DIMENSIONS = ("project", "department", "category", "person")

# The stages whose times (first round, from receipt, hold excluded) the figures show.
TIMED_STAGES = ("response", "on_site", "complete")

# The additive measures: everything the figures table is computed from. Per stage: ``done`` the
# clocks judged (met + missed), ``on_time`` those met, ``stopped`` those stopped with time left
# (left out of the rate); ``time_n`` / ``time_seconds`` the first round's times.
MEASURES = (
    "completed",
    "followed_up",
    "reworked",
    "complaints",
    # Complaints naming a person (``subject_staff``), by the named person's group.
    "complaints_named",
    # Follow-up calls made in the day (satisfied or not; ``follow_up_score_*`` are their scores).
    "follow_up_calls",
    "follow_up_satisfied",
    # Rounds of work sent back in the day (unsatisfied call or the resident's reopen).
    "rework",
    *(f"{field}_{part}" for field in ("follow_up_score", "rating") for part in ("n", "sum", *SCORES)),
    *(f"{stage}_{part}" for stage in STAGES for part in ("done", "on_time", "stopped")),
    *(f"{stage}_time_{part}" for stage in TIMED_STAGES for part in ("n", "seconds")),
)
FLOAT_MEASURES = {f"{stage}_time_seconds" for stage in TIMED_STAGES}


def _measure_fields() -> dict:
    return {
        name: (models.FloatField(default=0) if name in FLOAT_MEASURES else models.IntegerField(default=0))
        for name in MEASURES
    }


class FigureDay(models.Model):
    company = models.ForeignKey("core.Company", on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey("estates.Project", on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("日期"))
    dimension = models.CharField(_("分组方式"), max_length=20)
    # The group's key as text ("" for none): a project, category or person id, or a department.
    key = models.CharField(_("分组"), max_length=40, blank=True)
    locals().update(_measure_fields())

    objects = ScopedQuerySet.as_manager()
    scope_company_field = "company_id"
    scope_project_field = "project_id"

    class Meta:
        verbose_name = _("每日统计")
        verbose_name_plural = _("每日统计")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "dimension", "day", "project", "key"], name="figureday_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.dimension}={self.key or '-'} @ {self.project_id}"


class FigureRollup(models.Model):
    """A day whose ``FigureDay`` rows are complete, and when they were computed — or, with
    ``through``, today's rows summed up to that moment (the figures read the rest of the day live)."""

    company = models.ForeignKey("core.Company", on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("日期"))
    computed_at = models.DateTimeField(_("计算时间"))
    through = models.DateTimeField(_("汇总截至"), null=True, blank=True)

    class Meta:
        verbose_name = _("统计汇总日")
        verbose_name_plural = _("统计汇总日")
        constraints = [models.UniqueConstraint(fields=["company", "day"], name="figurerollup_once")]

    def __str__(self) -> str:
        return f"{self.company_id} {self.day}"


class FigurePeriod(models.Model):
    """The sums of one finished week, month or quarter per project and grouping key: its days'
    ``FigureDay`` rows added up by the roll-up job once every day of the period is rolled up.

    A figures table reads a whole finished period as one row per project and key instead of one per
    day (a 90-day table by project and month at 200 projects: ~600 rows instead of ~18,000). Per
    project, like ``FigureDay``, so it is scoped the same way for every user."""

    company = models.ForeignKey("core.Company", on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey("estates.Project", on_delete=models.CASCADE, related_name="+")
    period = models.CharField(_("统计周期"), max_length=10)
    period_start = models.DateField(_("周期开始"))
    dimension = models.CharField(_("分组方式"), max_length=20)
    key = models.CharField(_("分组"), max_length=40, blank=True)
    locals().update(_measure_fields())

    objects = ScopedQuerySet.as_manager()
    scope_company_field = "company_id"
    scope_project_field = "project_id"

    class Meta:
        verbose_name = _("周期统计")
        verbose_name_plural = _("周期统计")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "dimension", "period", "period_start", "project", "key"],
                name="figureperiod_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.period_start} {self.dimension}={self.key or '-'} @ {self.project_id}"


class FigureSpread(models.Model):
    """The times' median and 90th percentile of one finished period (day, week, month, quarter), by
    grouping key and timed stage — computed exactly, like the live figures, by the roll-up job.

    Percentiles do not add up from daily sums, so a figures table over whole finished periods reads
    these rows instead of sorting every clock of its range again. Grouped by project they hold per
    project (seen by whoever sees the project); grouped otherwise they are over the whole company and
    are read only for those who see the whole company (``boards.spreads``)."""

    company = models.ForeignKey("core.Company", on_delete=models.CASCADE, related_name="+")
    # The project a row grouped by project is about (its key); empty for the other groupings.
    project = models.ForeignKey("estates.Project", on_delete=models.CASCADE, null=True, related_name="+")
    dimension = models.CharField(_("分组方式"), max_length=20)
    period = models.CharField(_("统计周期"), max_length=10)
    period_start = models.DateField(_("周期开始"))
    key = models.CharField(_("分组"), max_length=40, blank=True)
    stage = models.CharField(_("阶段"), max_length=20)
    median_seconds = models.FloatField(_("中位数（秒）"))
    p90_seconds = models.FloatField(_("90分位数（秒）"))

    objects = ScopedQuerySet.as_manager()
    scope_company_field = "company_id"
    scope_project_field = "project_id"

    class Meta:
        verbose_name = _("周期时长分位数")
        verbose_name_plural = _("周期时长分位数")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "dimension", "period", "period_start", "key", "stage"],
                name="figurespread_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.period_start} {self.dimension}={self.key or '-'} {self.stage}"


class FigureSpreadPeriod(models.Model):
    """A finished period whose ``FigureSpread`` rows are complete (possibly none: no clock was done),
    and whether its ``FigurePeriod`` sums are too (only when every one of its days was rolled up)."""

    company = models.ForeignKey("core.Company", on_delete=models.CASCADE, related_name="+")
    period = models.CharField(_("统计周期"), max_length=10)
    period_start = models.DateField(_("周期开始"))
    computed_at = models.DateTimeField(_("计算时间"))
    sums_kept = models.BooleanField(_("已汇总合计"), default=False)

    class Meta:
        verbose_name = _("已汇总周期")
        verbose_name_plural = _("已汇总周期")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "period", "period_start"], name="figurespreadperiod_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.company_id} {self.period} {self.period_start}"


class FigureSampleSet(models.Model):
    """The running period of a kind (day, week, month, quarter) whose times are kept
    (``FigureSample``, possibly none): those of the clocks done from its first day up to ``until``,
    the job's run. What is done since is read live."""

    company = models.ForeignKey("core.Company", on_delete=models.CASCADE, related_name="+")
    period = models.CharField(_("统计周期"), max_length=10)
    period_start = models.DateField(_("周期开始"))
    until = models.DateTimeField(_("保留至"))
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        verbose_name = _("进行中周期")
        verbose_name_plural = _("进行中周期")
        constraints = [models.UniqueConstraint(fields=["company", "period"], name="figuresampleset_once")]

    def __str__(self) -> str:
        return f"{self.company_id} {self.period} {self.period_start}–{self.until:%Y-%m-%d %H:%M}"


class FigureSample(models.Model):
    """The first round's times (seconds, hold excluded, ascending) of a period still running —
    today, this week, this month, this quarter — up to the job's run, by grouping key and timed
    stage, kept by the roll-up job (``boards.samples``).

    A running period's median and 90th percentile cannot be kept like a finished one's: clocks
    still come in. With these a figures call reads only the times done since the job's run live and
    takes the exact percentiles of both, instead of sorting every clock of the period again. Each
    row belongs to its ``sample_set``, read in the same statement, so a reader never pairs one run's
    rows with another run's moment. Scoped like ``FigureSpread``."""

    sample_set = models.ForeignKey(FigureSampleSet, on_delete=models.CASCADE, related_name="samples")
    company = models.ForeignKey("core.Company", on_delete=models.CASCADE, related_name="+")
    # The project a row grouped by project is about (its key); empty for the other groupings.
    project = models.ForeignKey("estates.Project", on_delete=models.CASCADE, null=True, related_name="+")
    dimension = models.CharField(_("分组方式"), max_length=20)
    key = models.CharField(_("分组"), max_length=40, blank=True)
    stage = models.CharField(_("阶段"), max_length=20)
    # Native float64s (``array("d")``): a few bytes a clock, read back without parsing.
    seconds = models.BinaryField(_("时长（秒）"))

    objects = ScopedQuerySet.as_manager()
    scope_company_field = "company_id"
    scope_project_field = "project_id"

    class Meta:
        verbose_name = _("进行中周期时长")
        verbose_name_plural = _("进行中周期时长")
        constraints = [
            models.UniqueConstraint(
                fields=["sample_set", "dimension", "key", "stage"], name="figuresample_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.sample_set_id} {self.dimension}={self.key or '-'} {self.stage}"
