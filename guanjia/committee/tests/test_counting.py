"""The Civil Code art. 278 thresholds, exact at their boundaries (hypothesis over many electorates)."""

from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from guanjia.committee.counting import ABSTAIN, AGAINST, FOR, UNOWNED, Elector, count, heads_of


def electorate(n, area=Decimal("100.00")):
    return [Elector(unit_id=i, area=area, head=f"r{i}") for i in range(1, n + 1)]


def votes(first, choice, start=1):
    return dict.fromkeys(range(start, start + first), choice)


def check(tally, key):
    return (
        next(t for t in tally.thresholds if t["key"] == key)
        if isinstance(tally, dict)
        else next(t for t in tally.thresholds if t.key == key)
    )


def test_participation_exactly_two_thirds_counts_and_one_less_fails():
    # 9 equal units: 6 took part = exactly 2/3 (以上 includes it); 5 is short.
    people = electorate(9)
    assert count(people, votes(6, FOR), special_matter=False).participation_met
    short = count(people, votes(5, FOR), special_matter=False)
    assert not short.participation_met and not short.passed and short.reason == "participation"


def test_approval_exactly_half_is_not_a_majority():
    people = electorate(6)
    ballots = {**votes(3, FOR), **votes(3, AGAINST, start=4)}
    tally = count(people, ballots, special_matter=False)
    assert tally.participation_met and not tally.approval_met and tally.reason == "approval"
    ballots[4] = FOR
    assert count(people, ballots, special_matter=False).passed


def test_special_matter_needs_three_quarters_inclusive():
    people = electorate(8)
    ballots = {**votes(6, FOR), **votes(2, AGAINST, start=7)}  # exactly 3/4
    assert count(people, ballots, special_matter=True).passed
    ballots[6] = ABSTAIN  # 5/8 < 3/4 although a majority
    tally = count(people, ballots, special_matter=True)
    assert not tally.passed and tally.reason == "approval"
    assert count(people, ballots, special_matter=False).passed


def test_area_and_heads_are_both_required():
    # One big unit (the area) against many small ones (the heads).
    people = [Elector(1, Decimal("900.00"), "r1")] + [
        Elector(i, Decimal("10.00"), f"r{i}") for i in range(2, 11)
    ]
    only_big = count(people, {1: FOR}, special_matter=False)
    assert check(only_big, "participation_area").met and not check(only_big, "participation_heads").met
    assert not only_big.passed
    small = count(people, dict.fromkeys(range(2, 11), FOR), special_matter=False)
    assert check(small, "participation_heads").met and not check(small, "participation_area").met


def test_owner_of_several_units_is_one_head_and_unsold_units_one():
    heads = heads_of({1: [7], 2: [7], 3: [8, 9], 4: [9], 5: [], 6: []})
    assert heads[1] == heads[2] == "r7"
    assert heads[3] == heads[4] == "r8"  # 9 co-owns 3 and owns 4: one person joins them
    assert heads[5] == heads[6] == UNOWNED
    people = [Elector(u, Decimal("50.00"), h) for u, h in heads.items()]
    tally = count(people, {1: FOR, 2: AGAINST}, special_matter=False)
    assert tally.total_heads == 3 and tally.voted_heads == 1 and tally.for_heads == 0


@st.composite
def cases(draw):
    n = draw(st.integers(min_value=1, max_value=40))
    areas = draw(st.lists(st.integers(min_value=1, max_value=50_000), min_size=n, max_size=n))
    heads = draw(st.lists(st.integers(min_value=1, max_value=n), min_size=n, max_size=n))
    choices = draw(st.lists(st.sampled_from([None, FOR, AGAINST, ABSTAIN]), min_size=n, max_size=n))
    people = [
        Elector(i, Decimal(a) / 100, f"r{h}") for i, (a, h) in enumerate(zip(areas, heads, strict=True))
    ]
    ballots = {i: c for i, c in enumerate(choices) if c is not None}
    return people, ballots, draw(st.booleans())


@settings(max_examples=400, deadline=None)
@given(cases())
def test_the_result_is_the_law_in_fractions(case):
    people, ballots, special = case
    tally = count(people, ballots, special_matter=special)
    total = sum(Fraction(e.area) for e in people)
    voted = sum(Fraction(e.area) for e in people if e.unit_id in ballots)
    agreed = sum(Fraction(e.area) for e in people if ballots.get(e.unit_id) == FOR)
    by_head = {}
    for e in people:
        by_head.setdefault(e.head, set())
        if e.unit_id in ballots:
            by_head[e.head].add(ballots[e.unit_id])
    heads, voted_heads = len(by_head), sum(1 for c in by_head.values() if c)
    for_heads = sum(1 for c in by_head.values() if c == {FOR})
    participation = voted / total >= Fraction(2, 3) and Fraction(voted_heads, heads) >= Fraction(2, 3)
    if special:
        approval = (
            voted > 0
            and agreed / voted >= Fraction(3, 4)
            and Fraction(for_heads, voted_heads) >= Fraction(3, 4)
        )
    else:
        approval = (
            voted > 0
            and agreed / voted > Fraction(1, 2)
            and Fraction(for_heads, voted_heads) > Fraction(1, 2)
        )
    assert tally.participation_met == participation
    assert tally.approval_met == approval
    assert tally.passed == (participation and approval)
    assert Decimal(tally.voted_area) == sum((e.area for e in people if e.unit_id in ballots), Decimal(0))


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=60), st.integers(min_value=1, max_value=60))
def test_boundaries_of_heads(total, voted):
    voted = min(voted, total)
    people = electorate(total)
    tally = count(people, votes(voted, FOR), special_matter=False)
    assert tally.participation_met == (3 * voted >= 2 * total)
