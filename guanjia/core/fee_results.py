"""The satisfaction result that governs a project's management fee for a month (买单式).

``feedback`` knows it (its closed surveys and the published scale), ``billing`` applies it to the
bills. The two sit side by side in one layer and import neither; ``feedback`` answers the question
from its ``AppConfig.ready()`` through ``register_fee_result_source`` and billing asks
``fee_result``. Without a source (feedback not installed) nothing governs any month.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class FeeResult:
    """A closed survey's result for a project: the share satisfied (0–1) and the percentage of the
    management fee it earns on the project's published scale."""

    survey_id: int
    label: str
    satisfied_share: Decimal
    fee_percent: Decimal


FeeResultSource = Callable[[int, str], FeeResult | None]
_source: list[FeeResultSource] = []


def register_fee_result_source(source: FeeResultSource) -> None:
    """Register (or replace) the one answer to ``fee_result``."""
    _source[:] = [source]


def fee_result(project_id: int, period: str) -> FeeResult | None:
    """The result governing the management fee of ``project_id`` for the month ``period``
    (``YYYY-MM``), or None when no closed survey with a scale governs it."""
    return _source[0](project_id, period) if _source else None
