"""Photos of a request: as reported, before and after the repair (cleaned through ``core.images``)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core import images
from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.scoping import scope_for
from guanjia.core.services import service
from guanjia.tickets import timeline, workflow
from guanjia.tickets.choices import Action, PhotoStage
from guanjia.tickets.models import Ticket, TicketPhoto


@service
def ticket_add_photo(*, actor, ticket: Ticket, upload, stage: str = PhotoStage.REPORT) -> TicketPhoto:
    """Attach a photo (EXIF stripped, thumbnail made) to a request the person may act on."""
    if stage not in PhotoStage.values:
        raise ValidationError({"stage": _("“%(value)s” 不是有效的选项") % {"value": stage}})
    scope = scope_for(actor)
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    mine = workflow.relations(ticket, scope)
    if not (mine & (workflow.WORKERS | {workflow.REPORTER})):
        raise NotAllowed(_("您不能为此工单上传照片"))
    if not ticket.is_open and stage != PhotoStage.AFTER:
        raise Conflict(_("工单已结束，不能再上传照片"))
    clean = images.clean_photo(upload, field="file")
    image_name, thumb_name = images.save_photo(clean, prefix=f"tickets/{ticket.company_id}/{ticket.pk}")
    photo = TicketPhoto.objects.create(
        company_id=ticket.company_id,
        project_id=ticket.project_id,
        ticket=ticket,
        stage=stage,
        image=image_name,
        thumbnail=thumb_name,
        content_type=clean.content_type,
        width=clean.width,
        height=clean.height,
        uploaded_by=actor,
    )
    timeline.record_event(
        ticket,
        actor=actor,
        action=Action.PHOTO,
        from_status=ticket.status,
        data={"stage": stage, "photo": photo.pk},
        when=timezone.now(),
    )
    return photo
