"""REST resources of quality, one router (``common.router``) filled by one module per part:

- ``checklists``: checklist versions and their items, import, copy, revise, xlsx.
- ``plans``: audit plans.
- ``audits``: audits, their results and photos, submission.
- ``nonconformances``: non-conformances and their corrective actions.
- ``figures``: the audit report (PDF) and the quality figures.
"""

# Importing the modules registers their operations on the router.
from guanjia.quality.api import audits, checklists, figures, nonconformances, plans  # noqa: F401
from guanjia.quality.api.common import router

__all__ = ["router"]
