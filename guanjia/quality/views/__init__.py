"""Quality pages. Thin: every fetch is ``visible_to``, every write a service.

One module per part of the business; every view is re-exported here for ``urls.py``:

- ``audits``: audits done on a phone item by item (htmx autosave), submission, the PDF report.
- ``nonconformances``: non-conformances and their corrective and preventive actions.
- ``checklists``: checklist versions, the draft editor, copy, revise, xlsx import and export.
- ``plans``: audit plans and the quality settings.
- ``figures``: quality figures (xlsx export) and a project's quality page.
"""

from guanjia.quality.views.audits import (
    audit_detail,
    audit_list,
    audit_new,
    audit_pdf,
    audit_submit,
    result_photo,
    result_save,
)
from guanjia.quality.views.checklists import (
    item_edit,
    section_edit,
    template_copy,
    template_detail,
    template_export,
    template_import,
    template_list,
    template_revise,
)
from guanjia.quality.views.figures import figures, figures_export, project_page
from guanjia.quality.views.nonconformances import nc_act, nc_detail, nc_list
from guanjia.quality.views.plans import auditor_choices, plan_edit, plan_list, plan_new, settings_page

__all__ = [
    "audit_detail",
    "audit_list",
    "audit_new",
    "audit_pdf",
    "audit_submit",
    "auditor_choices",
    "figures",
    "figures_export",
    "item_edit",
    "nc_act",
    "nc_detail",
    "nc_list",
    "plan_edit",
    "plan_list",
    "plan_new",
    "project_page",
    "result_photo",
    "result_save",
    "section_edit",
    "settings_page",
    "template_copy",
    "template_detail",
    "template_export",
    "template_import",
    "template_list",
    "template_revise",
]
