"""The count of an owners' vote under the Civil Code art. 278 — pure arithmetic, no database.

Participation: owners holding at least two-thirds of the total exclusive area (专有部分面积) AND at
least two-thirds of the owners (人数) took part. Approval: more than half of the participating area
AND of the participating owners agreed; for the special matters (art. 278 (6)–(8)) at least
three-quarters of both. "以上" includes the bound; "过半数" does not. Every comparison is done in
exact arithmetic (areas are Decimals with two places, heads integers): ``a / b >= 2/3`` is
``3a >= 2b``, so a boundary is never lost to rounding.

How owners are counted (人数), following the Supreme People's Court's interpretation on
building-unit ownership (法释〔2009〕7号 art. 9): one unit (专有部分) counts as one owner; units bought
by the same person count as one owner, however many they hold; the developer's unsold units count
as one. So each frozen unit carries a ``head``: the owners of units that share a person are joined
into one head (``heads_of``); units without an owner on record share the head ``"unowned"``.

One ballot per unit, cast by any of its owners (or a family member an owner gave the vote). A head
took part when any of its units has a ballot; it agreed when every ballot of its units says "for"
(a person who owns two flats and votes "for" with one and "against" with the other took part, and
did not agree). Abstentions take part and do not agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from fractions import Fraction

FOR, AGAINST, ABSTAIN = "for", "against", "abstain"
UNOWNED = "unowned"


@dataclass(frozen=True)
class Elector:
    unit_id: int
    area: Decimal
    head: str


@dataclass(frozen=True)
class Threshold:
    """One condition of the result: ``value / of`` compared with ``bound`` (``>=`` or ``>``)."""

    key: str
    value: str
    of: str
    bound: str  # "2/3", "1/2", "3/4"
    strict: bool  # ">" (过半数) rather than ">=" (以上)
    met: bool
    share: float  # value / of, for the page (0 when of is 0)


@dataclass
class Tally:
    special_matter: bool
    total_area: str
    total_heads: int
    voted_area: str
    voted_heads: int
    for_area: str
    for_heads: int
    against_area: str
    against_heads: int
    abstain_area: str
    ballots: int
    units: int
    participation_met: bool
    approval_met: bool
    passed: bool
    thresholds: list[Threshold] = field(default_factory=list)
    reason: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def heads_of(units: Mapping[int, Iterable[int]]) -> dict[int, str]:
    """The head each unit counts for, from its owners' resident ids: units that share an owner
    (directly or through a chain of co-owners) are one head, named by the smallest owner id; units
    without owners are ``UNOWNED``."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    listed = {unit: list(owners) for unit, owners in units.items()}
    for owners in listed.values():
        for other in owners[1:]:
            union(owners[0], other)
    # The smallest id of the group names it (union keeps the smaller root).
    return {unit: f"r{find(owners[0])}" if owners else UNOWNED for unit, owners in listed.items()}


def _meets(value, of, bound: Fraction, *, strict: bool) -> bool:
    # value / of (>|>=) bound, exactly: value * den (>|>=) num * of. Nothing of nothing is not met.
    if of == 0:
        return False
    left, right = Fraction(value) * bound.denominator, bound.numerator * Fraction(of)
    return left > right if strict else left >= right


def _share(value, of) -> float:
    return float(Fraction(value) / Fraction(of)) if of else 0.0


TWO_THIRDS, HALF, THREE_QUARTERS = Fraction(2, 3), Fraction(1, 2), Fraction(3, 4)


def count(electors: Iterable[Elector], ballots: Mapping[int, str], *, special_matter: bool) -> Tally:
    """The result of a vote: ``electors`` the frozen units, ``ballots`` unit id → choice."""
    electors = list(electors)
    total_area = sum((e.area for e in electors), Decimal("0"))
    heads: dict[str, set[str]] = {}
    areas = {FOR: Decimal("0"), AGAINST: Decimal("0"), ABSTAIN: Decimal("0")}
    for e in electors:
        heads.setdefault(e.head, set())
        choice = ballots.get(e.unit_id)
        if choice is not None:
            areas[choice] += e.area
            heads[e.head].add(choice)
    voted_area = areas[FOR] + areas[AGAINST] + areas[ABSTAIN]
    voted_heads = sum(1 for c in heads.values() if c)
    for_heads = sum(1 for c in heads.values() if c == {FOR})
    against_heads = sum(1 for c in heads.values() if c == {AGAINST})
    bound, strict, bound_text = (THREE_QUARTERS, False, "3/4") if special_matter else (HALF, True, "1/2")

    def threshold(key, value, of, need, need_text, is_strict):
        return Threshold(
            key=key,
            value=str(value),
            of=str(of),
            bound=need_text,
            strict=is_strict,
            met=_meets(value, of, need, strict=is_strict),
            share=_share(value, of),
        )

    checks = [
        threshold("participation_area", voted_area, total_area, TWO_THIRDS, "2/3", False),
        threshold("participation_heads", voted_heads, len(heads), TWO_THIRDS, "2/3", False),
        threshold("approval_area", areas[FOR], voted_area, bound, bound_text, strict),
        threshold("approval_heads", for_heads, voted_heads, bound, bound_text, strict),
    ]
    participation = checks[0].met and checks[1].met
    approval = checks[2].met and checks[3].met
    if not participation:
        reason = "participation"
    elif not approval:
        reason = "approval"
    else:
        reason = "passed"
    return Tally(
        special_matter=special_matter,
        total_area=str(total_area),
        total_heads=len(heads),
        voted_area=str(voted_area),
        voted_heads=voted_heads,
        for_area=str(areas[FOR]),
        for_heads=for_heads,
        against_area=str(areas[AGAINST]),
        against_heads=against_heads,
        abstain_area=str(areas[ABSTAIN]),
        ballots=sum(1 for e in electors if e.unit_id in ballots),
        units=len(electors),
        participation_met=participation,
        approval_met=approval,
        passed=participation and approval,
        thresholds=checks,
        reason=reason,
    )
