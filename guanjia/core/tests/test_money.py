"""Amounts in Chinese capitals (大写) on receipts: the examples a cashier knows, and every amount
read back to the number it came from."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guanjia.core.money import DIGITS, amount_in_words


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("1234.56", "壹仟贰佰叁拾肆元伍角陆分"),
        ("0", "零元整"),
        ("0.05", "伍分"),
        ("0.50", "伍角整"),
        ("1.05", "壹元零伍分"),
        ("10", "壹拾元整"),
        ("1005", "壹仟零伍元整"),
        ("1050", "壹仟零伍拾元整"),
        ("1000.5", "壹仟元伍角整"),
        ("100000", "壹拾万元整"),
        ("100005", "壹拾万零伍元整"),
        ("101000", "壹拾万壹仟元整"),
        ("10100000", "壹仟零壹拾万元整"),
        ("100010000", "壹亿零壹万元整"),
        ("100000001", "壹亿零壹元整"),
        ("2.345", "贰元叁角伍分"),  # rounded half up to the cent
        ("-88.00", "负捌拾捌元整"),
    ],
)
def test_known_amounts(amount, words):
    assert amount_in_words(Decimal(amount)) == words


def read_back(words: str) -> Decimal:
    """A small reader of 大写, independent of the writer: sums digit × place within 万/亿 groups."""
    sign = -1 if words.startswith("负") else 1
    words = words.removeprefix("负").removesuffix("整")
    places = {"拾": 10, "佰": 100, "仟": 1000}
    total, section, digit = Decimal(0), 0, 0
    for char in words:
        if char in DIGITS:
            digit = DIGITS.index(char)
        elif char in places:
            section += digit * places[char]
            digit = 0
        elif char == "万":
            total += (section + digit) * 10000
            section = digit = 0
        elif char == "亿":
            total = (total + section + digit) * 10**8
            section = digit = 0
        elif char == "元":
            total += section + digit
            section = digit = 0
        elif char == "角":
            total += Decimal(digit) / 10
            digit = 0
        elif char == "分":
            total += Decimal(digit) / 100
            digit = 0
    return sign * total


@settings(max_examples=300)
@given(st.decimals(min_value=0, max_value=Decimal("999999999999.99"), places=2))
def test_every_amount_reads_back_to_itself(amount):
    words = amount_in_words(amount)
    assert read_back(words) == amount
    assert "零零" not in words
    assert not words.startswith("零") or words == "零元整"
    assert words.endswith(("整", "分"))
