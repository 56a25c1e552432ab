"""Background jobs of imports and exports (Huey)."""

from huey.contrib.djhuey import db_task

from guanjia.dataio import services


@db_task(retries=0)
def run_import_job_task(job_id: int) -> None:
    """A large import, run on the worker. Idempotent: a job that already succeeded is skipped."""
    services.run_import_job(job_id=job_id)
