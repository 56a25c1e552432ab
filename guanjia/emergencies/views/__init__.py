"""Console pages of emergencies: the board, opening an incident from a phone, the live incident page,
plans, command posts, drills, and the residents' statements page. Thin: every change is a service.

One module per sub-domain; this package re-exports the views ``urls.py`` names."""

from guanjia.emergencies.views.aftermath import incident_calls, statements
from guanjia.emergencies.views.drills import drill_detail, drill_list
from guanjia.emergencies.views.incidents import board, incident_act, incident_detail, incident_open
from guanjia.emergencies.views.plans import plan_detail, plan_edit, plan_list
from guanjia.emergencies.views.posts import document_download, post_detail, post_list

__all__ = [
    "board",
    "document_download",
    "drill_detail",
    "drill_list",
    "incident_act",
    "incident_calls",
    "incident_detail",
    "incident_open",
    "plan_detail",
    "plan_edit",
    "plan_list",
    "post_detail",
    "post_list",
    "statements",
]
