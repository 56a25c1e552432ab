"""One action on many records at once (批量操作), reported item by item.

A bulk action is the single-record service called once per record, each call in its own
transaction: one refusal (already closed, not yours, no one to notify …) never undoes the others,
and every record comes back in the report as done, skipped (nothing to do: already reminded) or
refused with the service's own reason. Records the user may not see are refused like missing ones.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from guanjia.core.api import Schema
from guanjia.core.errors import Conflict, DomainError

# More than this many records in one action is refused as a whole: narrow the selection.
BULK_MAX = 200

DONE, SKIPPED, REFUSED = "done", "skipped", "refused"


class Unchanged(Conflict):
    """Raised by a service when there is nothing to do and nothing was done (a reminder already
    sent within its window): the bulk report counts it as skipped; alone, it is a 409."""


@dataclass(frozen=True)
class BulkItem:
    id: int
    label: str  # what the person recognises: a request's number, a bill's unit and period
    outcome: str  # DONE | SKIPPED | REFUSED
    message: str = ""


@dataclass
class BulkResult:
    action_label: str
    items: list[BulkItem] = field(default_factory=list)

    def _of(self, outcome: str) -> list[BulkItem]:
        return [item for item in self.items if item.outcome == outcome]

    @property
    def done(self) -> list[BulkItem]:
        return self._of(DONE)

    @property
    def skipped(self) -> list[BulkItem]:
        return self._of(SKIPPED)

    @property
    def refused(self) -> list[BulkItem]:
        return self._of(REFUSED)

    def summary(self) -> str:
        """ "已派工 12 条，跳过 1 条，未执行 2 条" — the line above the per-item report."""
        parts = [
            ngettext("%(action)s %(n)s 条", "%(action)s %(n)s 条", len(self.done))
            % {"action": self.action_label, "n": len(self.done)}
        ]
        if self.skipped:
            parts.append(_("跳过 %(n)s 条") % {"n": len(self.skipped)})
        if self.refused:
            parts.append(_("未执行 %(n)s 条") % {"n": len(self.refused)})
        return "，".join(parts)


def parse_ids(values: Iterable) -> list[int]:
    """The selected ids, in the order given, each once; anything not a positive id is refused (422)."""
    ids: list[int] = []
    for value in values:
        try:
            pk = int(str(value).strip())
        except (TypeError, ValueError) as exc:
            raise ValidationError({"ids": _("“%(value)s” 不是有效的编号") % {"value": value}}) from exc
        if not 0 < pk < 2**63:
            raise ValidationError({"ids": _("“%(value)s” 不是有效的编号") % {"value": value}})
        if pk not in ids:
            ids.append(pk)
    if not ids:
        raise ValidationError({"ids": _("请先勾选要操作的记录")})
    if len(ids) > BULK_MAX:
        raise ValidationError(
            {
                "ids": _("一次最多操作 %(max)s 条，您选了 %(n)s 条，请缩小范围")
                % {"max": BULK_MAX, "n": len(ids)}
            }
        )
    return ids


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return "；".join(" ".join(messages) for messages in exc.message_dict.values())
        return " ".join(exc.messages)
    return getattr(exc, "message", str(exc))


def run_each(
    *,
    action_label: str,
    ids: list[int],
    records: dict[int, object],
    label: Callable[[object], str],
    call: Callable[[object], object],
) -> BulkResult:
    """Call ``call(record)`` for each id, in order, each on its own; ``records``: the ids the user
    may see (fetched through ``visible_to``), so any other id is refused as not found."""
    result = BulkResult(action_label=action_label)
    for pk in ids:
        record = records.get(pk)
        if record is None:
            result.items.append(BulkItem(pk, f"#{pk}", REFUSED, _("不存在或无权查看")))
            continue
        try:
            call(record)
        except Unchanged as exc:
            result.items.append(BulkItem(pk, label(record), SKIPPED, exc.message))
        except (DomainError, ValidationError) as exc:
            result.items.append(BulkItem(pk, label(record), REFUSED, _reason(exc)))
        else:
            result.items.append(BulkItem(pk, label(record), DONE))
    return result


# The API's answer to a bulk action (every app's bulk endpoint returns it).


class BulkItemOut(Schema):
    id: int
    label: str
    outcome: Literal["done", "skipped", "refused"]
    message: str


class BulkResultOut(Schema):
    summary: str
    done: int
    skipped: int
    refused: int
    items: list[BulkItemOut]


def bulk_out(result: BulkResult) -> dict:
    return {
        "summary": result.summary(),
        "done": len(result.done),
        "skipped": len(result.skipped),
        "refused": len(result.refused),
        "items": [
            {"id": i.id, "label": i.label, "outcome": i.outcome, "message": i.message} for i in result.items
        ],
    }
