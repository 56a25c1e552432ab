"""Background jobs of imports and exports (Huey)."""

from huey.contrib.djhuey import db_task


@db_task(retries=0)
def run_import_job_task(job_id: int) -> None:
    """A large import, run on the worker. Idempotent: a job that already succeeded is skipped."""
    from guanjia.dataio.services import run_import_job

    run_import_job(job_id=job_id)
