"""Amounts of money in Chinese capitals (人民币大写), as receipts and vouchers must show them.

Written by the rules of the People's Bank of China's 支付结算办法: 壹贰叁… with 拾佰仟万亿; one 零 for
any run of zeros between two non-zero places; 整 after 元 (and after 角) when no 分 follows; an amount
under one yuan starts at its 角 or 分 (伍角陆分, not 零元伍角陆分).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

DIGITS = "零壹贰叁肆伍陆柒捌玖"
PLACES = ("", "拾", "佰", "仟")
GROUPS = ("", "万", "亿", "万亿")
CENT = Decimal("0.01")
LIMIT = Decimal(10) ** 16  # 万亿 groups end here; no fee comes near it


def _group(value: int) -> str:
    """0 < value < 10000 in words, without its leading zeros and its trailing zeros."""
    out, pending_zero = "", False
    for place in range(3, -1, -1):
        digit = value // 10**place % 10
        if digit == 0:
            pending_zero = bool(out)
            continue
        if pending_zero:
            out += "零"
            pending_zero = False
        out += DIGITS[digit] + PLACES[place]
    return out


def _yuan(value: int) -> str:
    groups = []
    while value:
        groups.append(value % 10000)
        value //= 10000
    out, gap = "", False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            gap = bool(out)
            continue
        if out and (gap or group < 1000):
            out += "零"
        out += _group(group) + GROUPS[index]
        gap = False
    return out


def amount_in_words(amount) -> str:
    """``Decimal("1234.56")`` → ``壹仟贰佰叁拾肆元伍角陆分``; rounded to the cent (half up);
    a negative amount starts with 负."""
    value = Decimal(str(amount)).quantize(CENT, rounding=ROUND_HALF_UP)
    if abs(value) >= LIMIT:
        raise ValueError("amount too large for Chinese capitals")
    sign = "负" if value < 0 else ""
    cents = int(abs(value) * 100)
    yuan, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    if cents == 0:
        return "零元整"
    out = _yuan(yuan)
    if yuan:
        out += "元"
    if jiao:
        out += DIGITS[jiao] + "角"
    elif yuan and fen:
        out += "零"  # 壹元零伍分
    if fen:
        out += DIGITS[fen] + "分"
    else:
        out += "整"
    return sign + out
