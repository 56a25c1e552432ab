"""How an import writes: in short transactions, with an undo log, so it never holds the database.

SQLite lets one writer at a time lock the whole database; an import that wrote 290,000 rows in one
transaction made every other write wait 20 s and fail. So a checked, planned import is written
in batches of ``BATCH_RECORDS`` records, each batch in its own transaction together with its
entries in the undo log (``ImportWrite``): between two batches anyone else may write.

All-or-nothing is kept by compensation: if a batch fails (someone created the same unit at the
same moment) or the worker dies, ``undo`` deletes what the import created, newest first, and
restores the fields it changed, journaling both; a job that is run again after a crash first undoes
what its previous run left. During the run others may see the rows written so far; the records an
import creates are new units and residents that nobody refers to yet, and a record someone did
refer to meanwhile (``PROTECT``) stops the undo with an error that the job reports.

``DirectWriter`` writes in the caller's transaction (tests, small files inside one request).

``write_plan`` writes a plan of ``planning.plan_file`` through one of these writers.
"""

from __future__ import annotations

from django.apps import apps
from django.db import transaction
from django.utils import timezone

from guanjia.core import journal
from guanjia.dataio.importing import Outcome
from guanjia.dataio.planning import Plan, _chunks
from guanjia.estates.models import Building, Occupancy, Resident, Unit

BATCH_RECORDS = 2000


class DirectWriter:
    """Write everything in the caller's transaction."""

    def begin(self, planned: int) -> None:
        pass

    def create(self, model, instances: list) -> None:
        if not instances:
            return
        model.objects.bulk_create(instances, batch_size=1000)
        journal.journal_bulk_create(instances)

    def update(self, model, items: list[tuple], fields: list[str], now) -> None:
        """``bulk_update`` sends no signals: write the journal entries the signals would have."""
        if not items:
            return
        for instance, _changes in items:
            instance.updated_at = now
        model.objects.bulk_update([i for i, _c in items], fields, batch_size=1000)
        journal.journal_bulk_update(items)

    def call_each(self, items: list[tuple]) -> None:
        """``(instance, fields, change)``: a change made by a service (which journals it), e.g. a
        move-out; ``fields`` are what it changes on ``instance`` (and its unit's status)."""
        for _instance, _fields, change in items:
            change()


class BatchedWriter(DirectWriter):
    """Write in short transactions of ``batch`` records, logging each record for ``undo``."""

    def __init__(self, job, *, batch: int | None = None, progress=None):
        self.job = job
        self.batch = batch or BATCH_RECORDS
        self.progress = progress
        self.written = 0
        self.planned = 0

    def begin(self, planned: int) -> None:
        """How many records the plan will write (for the progress)."""
        self.planned = planned
        if self.progress is not None:
            self.progress(0, planned)

    def _log(self, model, rows: list[tuple[int, dict | None]]) -> None:
        from guanjia.dataio.models import ImportWrite

        ImportWrite.objects.bulk_create(
            [
                ImportWrite(job=self.job, model=model._meta.label, object_id=pk, before=before)
                for pk, before in rows
            ],
            batch_size=1000,
        )

    def _advance(self, n: int) -> None:
        self.written += n
        if self.progress is not None:
            self.progress(self.written, self.planned)

    def create(self, model, instances: list) -> None:
        for start in range(0, len(instances), self.batch):
            chunk = instances[start : start + self.batch]
            with transaction.atomic():
                super().create(model, chunk)
                self._log(model, [(instance.pk, None) for instance in chunk])
            self._advance(len(chunk))

    def update(self, model, items: list[tuple], fields: list[str], now) -> None:
        for start in range(0, len(items), self.batch):
            chunk = items[start : start + self.batch]
            with transaction.atomic():
                super().update(model, chunk, fields, now)
                self._log(
                    model,
                    [
                        (instance.pk, {f: before for f, (before, _after) in changes.items()})
                        for instance, changes in chunk
                    ],
                )
            self._advance(len(chunk))

    def call_each(self, items: list[tuple]) -> None:
        for start in range(0, len(items), self.batch):
            chunk = items[start : start + self.batch]
            with transaction.atomic():
                logged = []
                for instance, fields, change in chunk:
                    before = {f: journal.jsonable(getattr(instance, f)) for f in fields}
                    logged.append((type(instance), instance.pk, before))
                    unit = getattr(instance, "unit", None)
                    if unit is not None:
                        logged.append((type(unit), unit.pk, {"status": unit.status}))
                    change()
                for model, pk, before in logged:
                    self._log(model, [(pk, before)])
            self._advance(len(chunk))


def undo(job) -> int:
    """Take back everything the job's batches wrote (newest first); returns how many records."""
    from guanjia.dataio.models import ImportWrite

    undone = 0
    while True:
        entries = list(ImportWrite.objects.filter(job=job).order_by("-id")[:BATCH_RECORDS])
        if not entries:
            return undone
        with transaction.atomic():
            # Newest first, a model at a time: occupancies before the residents and units they tie.
            entries.sort(key=lambda e: -e.id)
            groups: list[tuple[str, list]] = []
            for entry in entries:
                if groups and groups[-1][0] == entry.model:
                    groups[-1][1].append(entry)
                else:
                    groups.append((entry.model, [entry]))
            for label, group in groups:
                model = apps.get_model(label)
                created = [e.object_id for e in group if e.before is None]
                if created:
                    # One delete per record so that each is journaled (post_delete).
                    for instance in model.objects.filter(pk__in=created):
                        instance.delete()
                changed = [e for e in group if e.before is not None]
                if changed:
                    current = model.objects.in_bulk([e.object_id for e in changed])
                    items = []
                    for entry in changed:
                        instance = current.get(entry.object_id)
                        if instance is None:
                            continue
                        diff = {}
                        for field, before in entry.before.items():
                            now_value = journal.jsonable(getattr(instance, field))
                            if now_value != before:
                                diff[field] = [now_value, before]
                                setattr(instance, field, model._meta.get_field(field).to_python(before))
                        if diff:
                            items.append((instance, diff))
                    if items:
                        fields = sorted({f for _i, d in items for f in d})
                        model.objects.bulk_update([i for i, _d in items], fields)
                        journal.journal_bulk_update(items)
            ImportWrite.objects.filter(pk__in=[e.id for e in entries]).delete()
        undone += len(entries)


def forget(job) -> None:
    """The import finished: its undo log is no longer needed."""
    from guanjia.dataio.models import ImportWrite

    while True:
        ids = list(ImportWrite.objects.filter(job=job).values_list("id", flat=True)[:10000])
        if not ids:
            return
        ImportWrite.objects.filter(pk__in=ids).delete()


def write_plan(plan: Plan, *, writer=None) -> Outcome:
    """Write a plan without errors: its buildings, then chunk by chunk units, residents, ties,
    move-outs (``writer``: ``writing.DirectWriter`` in the caller's transaction, or
    ``BatchedWriter``). Only one chunk's writes are in memory at a time."""
    from guanjia.estates.services import occupancy_end_unchecked

    writer = writer or DirectWriter()
    outcome = plan.outcome
    now = timezone.now()
    today = timezone.localdate()
    writer.begin(sum(plan.counts().values()))
    writer.create(Building, plan.new_buildings)
    building_ids = dict(Building.objects.filter(project=plan.project).values_list("name", "pk"))
    building_ids.update((b.name, b.pk) for b in plan.new_buildings)
    for chunk in plan.spool.plans():
        for name, unit in chunk.new_units:
            unit.building_id = unit.building_id or building_ids[name]
        writer.create(Unit, [unit for _name, unit in chunk.new_units])
        writer.update(Unit, chunk.changed_units, ["floor", "area", "status", "updated_at"], now)
        writer.update(Resident, chunk.changed_residents, ["name", "phone", "updated_at"], now)
        writer.create(Resident, chunk.new_residents)
        # New residents that an earlier chunk created: found by their phone.
        earlier = sorted({who for who, *_rest in chunk.new_occupancies if isinstance(who, str)})
        created_before: dict[str, int] = {}
        for part in _chunks(earlier):
            created_before.update(
                Resident.objects.filter(
                    company_id=plan.project.company_id, phone__in=part, deleted_at__isnull=True
                ).values_list("phone", "pk")
            )
        ties = []
        for who, unit, relation, start_on, end_on in chunk.new_occupancies:
            if isinstance(who, str):
                resident_id = created_before[who]
            else:
                resident_id = who if isinstance(who, int) else who.pk
            ties.append(
                Occupancy(
                    company_id=unit.company_id,
                    project_id=unit.project_id,
                    resident_id=resident_id,
                    unit_id=unit.pk,
                    relation=relation,
                    start_on=start_on,
                    end_on=end_on,
                    ended_at=now if end_on is not None and end_on <= today else None,
                )
            )
        writer.create(Occupancy, ties)
        writer.update(Occupancy, chunk.changed_occupancies, ["start_on", "updated_at"], now)
        # Move-outs one by one through the estates service (it also sets the unit vacant when empty).
        writer.call_each(
            [
                (
                    tie,
                    ("end_on", "ended_at"),
                    lambda tie=tie, on=on: occupancy_end_unchecked(occupancy=tie, on=on),
                )
                for tie, on in chunk.move_outs
            ]
        )
    counts = plan.counts()
    outcome.created = counts["new"]
    outcome.updated = counts["changed"]
    outcome.moved_out = counts["moved_out"]
    outcome.detail = plan.detail()
    return outcome
