"""What the gate API's modules share: the router (tag ``gate``) and the staff check."""

from ninja import Router

from guanjia.core.roles import Perm
from guanjia.core.scoping import require, scope_for

router = Router(tags=["gate"])


def _staff(request, perm: str = Perm.GATE_DUTY) -> None:
    if not scope_for(request.user).is_resident:
        require(request.user, perm)
