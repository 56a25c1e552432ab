"""A big import never holds the database: the desk keeps writing while it runs, and a failure or a
dead worker half-way leaves nothing of the file behind."""

import threading

import pytest
from django.db import IntegrityError, connection, connections

from guanjia.dataio import writing
from guanjia.dataio.models import ImportStatus, ImportWrite
from guanjia.dataio.services import import_submit, run_import_job
from guanjia.dataio.tests.conftest import upload
from guanjia.estates.models import Building, Occupancy, Resident, Unit

ROWS = [
    ["20栋", 1, f"{n:03d}", 80, "", f"住户{n}", f"1370000{n:04d}", "业主", "2024-01-01"] for n in range(60)
]


def counts():
    return (
        Building.objects.count(),
        Unit.objects.count(),
        Resident.objects.count(),
        Occupancy.objects.count(),
    )


def desk_writes(name: str, box: dict) -> None:
    """What the desk does meanwhile, on its own connection (another thread)."""
    try:
        from guanjia.testing import factories as f

        box["building"] = f.BuildingFactory(name=name).pk
    except Exception as exc:  # the "database is locked" this test is about
        box["error"] = exc
    finally:
        connections.close_all()


def hold_import_at(monkeypatch, method: str):
    """Make the import stop at ``method`` of its writer (after its first batch) until released."""
    reached, release = threading.Event(), threading.Event()
    original = getattr(writing.BatchedWriter, method)

    def held(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        if not reached.is_set():
            reached.set()
            release.wait(30)
        return result

    monkeypatch.setattr(writing.BatchedWriter, method, held)
    return reached, release


def run_import_in_thread(world, box):
    def run():
        try:
            box["job"] = import_submit(actor=world.desk, project_id=world.project.pk, upload=upload(ROWS))
        except Exception as exc:
            box["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_the_desk_writes_while_an_import_runs(world, monkeypatch):
    monkeypatch.setattr(writing, "BATCH_RECORDS", 10)
    reached, release = hold_import_at(monkeypatch, "_advance")  # between two batches
    imported: dict = {}
    thread = run_import_in_thread(world, imported)
    assert reached.wait(60), imported
    desk: dict = {}
    other = threading.Thread(target=desk_writes, args=("前台新建楼", desk))
    other.start()
    other.join(30)
    written_meanwhile = "building" in desk
    release.set()
    thread.join(60)

    assert written_meanwhile, desk.get("error")
    assert imported["job"].status == ImportStatus.SUCCEEDED, imported["job"].errors
    assert Unit.objects.filter(building__name="20栋").count() == 60
    assert not ImportWrite.objects.exists()  # the undo log is emptied at the end


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_others_write_even_inside_an_import_batch(world, monkeypatch):
    monkeypatch.setattr(writing, "BATCH_RECORDS", 10)
    reached, release = hold_import_at(monkeypatch, "_log")  # inside a batch's open transaction
    imported: dict = {}
    thread = run_import_in_thread(world, imported)
    assert reached.wait(60)
    desk: dict = {}
    other = threading.Thread(target=desk_writes, args=("前台新建楼", desk))
    other.start()
    other.join(10)
    written_meanwhile = "building" in desk
    release.set()
    thread.join(60)
    assert written_meanwhile, desk.get("error")
    assert imported["job"].status == ImportStatus.SUCCEEDED


@pytest.mark.django_db
def test_a_batch_that_fails_half_way_takes_back_the_batches_before_it(world, monkeypatch):
    monkeypatch.setattr(writing, "BATCH_RECORDS", 10)
    before = counts()
    original = writing.BatchedWriter.create

    def create(self, model, instances):
        if model is Occupancy:
            raise IntegrityError("someone created the same record meanwhile")
        return original(self, model, instances)

    monkeypatch.setattr(writing.BatchedWriter, "create", create)

    job = import_submit(actor=world.desk, project_id=world.project.pk, upload=upload(ROWS))

    assert job.status == ImportStatus.FAILED
    assert job.errors[0]["text"] == "导入期间数据被同时修改，未导入任何数据，请重新导入"
    assert counts() == before  # units and residents of the earlier batches are gone again
    assert not ImportWrite.objects.exists()


@pytest.mark.django_db
def test_a_job_whose_worker_died_is_undone_then_imported_once_when_run_again(world, monkeypatch):
    monkeypatch.setattr(writing, "BATCH_RECORDS", 10)
    before = counts()
    original = writing.BatchedWriter.create

    class WorkerKilled(BaseException):
        pass

    def create(self, model, instances):
        if model is Occupancy:
            raise WorkerKilled
        return original(self, model, instances)

    monkeypatch.setattr(writing.BatchedWriter, "create", create)
    with pytest.raises(WorkerKilled):
        import_submit(actor=world.desk, project_id=world.project.pk, upload=upload(ROWS))
    assert counts() != before and ImportWrite.objects.exists()  # half written, job left running
    monkeypatch.setattr(writing.BatchedWriter, "create", original)
    from guanjia.dataio.models import ImportJob

    job = run_import_job(job_id=ImportJob.objects.get().pk)

    assert job.status == ImportStatus.SUCCEEDED
    b, u, r, o = before
    assert counts() == (b + 1, u + 60, r + 60, o + 60)
    assert not ImportWrite.objects.exists()
