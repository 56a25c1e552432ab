"""What the contractors' services share: the clock seam and the timeline."""

from __future__ import annotations

import datetime

from django.utils import timezone

from guanjia.contractors.models import Contract, ContractEvent


def _now() -> datetime.datetime:
    """The present moment: the one seam demo data and tests move."""
    return timezone.now()


def _today() -> datetime.date:
    """Today in Shanghai: contracts start and end on Shanghai days."""
    return timezone.localdate(_now())


def timeline(contract: Contract, kind: str, *, actor=None, note: str = "", at=None) -> ContractEvent:
    """Add a line to the contract's timeline (who did what, when)."""
    return ContractEvent.objects.create(
        company_id=contract.company_id,
        contract=contract,
        kind=kind,
        happened_at=at or _now(),
        actor=actor if getattr(actor, "pk", None) else None,
        note=str(note)[:300],
    )
