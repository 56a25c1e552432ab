"""The REST API under /api/v1/: one router per app, one set of conventions (``core.api``)."""

from ninja import NinjaAPI

from guanjia.accounts.api import router as accounts_router
from guanjia.billing.api import router as billing_router
from guanjia.boards.api import router as boards_router
from guanjia.committee.api import router as committee_router
from guanjia.contractors.api import router as contractors_router
from guanjia.core.api import AUTH, install_error_handlers
from guanjia.dataio.api import router as dataio_router
from guanjia.dispatch.api import router as dispatch_router
from guanjia.emergencies.api import router as emergencies_router
from guanjia.estates.api import router as estates_router
from guanjia.evaluation.api import router as evaluation_router
from guanjia.events.api import router as events_router
from guanjia.facilities.api import router as facilities_router
from guanjia.feedback.api import router as feedback_router
from guanjia.gate.api import router as gate_router
from guanjia.handover.api import router as handover_router
from guanjia.households.api import router as households_router
from guanjia.lending.api import router as lending_router
from guanjia.notices.api import router as notices_router
from guanjia.notifications.api import router as notifications_router
from guanjia.notifications.sms_api import router as sms_router
from guanjia.payments.api import router as payments_router
from guanjia.quality.api import router as quality_router
from guanjia.renovation.api import router as renovation_router
from guanjia.residents.api import invitations as residents_invitations_router
from guanjia.residents.api import router as residents_router
from guanjia.rotas.api import router as rotas_router
from guanjia.sla.api import router as sla_router
from guanjia.staff.api import router as staff_router
from guanjia.stores.api import router as stores_router
from guanjia.tickets.api import router as tickets_router
from guanjia.tickets.bulk import router as tickets_bulk_router
from guanjia.tickets.followups import router as followups_router

api = NinjaAPI(
    title="Guanjia API",
    version="1",
    description="管家 — 物业服务运营平台 API。Authenticate with `POST /api/v1/auth/token`, then send "
    "`Authorization: Bearer <token>`.",
    auth=AUTH,
    urls_namespace="api",
)
install_error_handlers(api)
api.add_router("", accounts_router)
api.add_router("", residents_router)
# Before estates: /residents/invite-bulk is not a resident's id.
api.add_router("", residents_invitations_router)
api.add_router("", estates_router)
api.add_router("", staff_router)
# Before tickets: its /tickets/{id}/{action} would otherwise take /tickets/{id}/deadlines.
api.add_router("", sla_router)
api.add_router("", tickets_bulk_router)
api.add_router("", tickets_router)
api.add_router("", followups_router)
api.add_router("", dispatch_router)
api.add_router("", dataio_router)
api.add_router("", notifications_router)
api.add_router("", sms_router)
api.add_router("", boards_router)
api.add_router("", quality_router)
api.add_router("", facilities_router)
api.add_router("", emergencies_router)
api.add_router("", billing_router)
api.add_router("", renovation_router)
api.add_router("", handover_router)
api.add_router("", lending_router)
api.add_router("", contractors_router)
api.add_router("", rotas_router)
api.add_router("", stores_router)
api.add_router("", payments_router)
api.add_router("", feedback_router)
api.add_router("", households_router)
api.add_router("", notices_router)
api.add_router("", events_router)
api.add_router("", committee_router)
api.add_router("", gate_router)
api.add_router("", evaluation_router)
