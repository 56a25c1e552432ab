"""What every fee resource shares: the one router of the app and the field types (period, money,
price, text)."""

from decimal import Decimal
from typing import Annotated

from ninja import Field, Router

router = Router(tags=["billing"])
Period = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", examples=["2026-11"])]
Money = Annotated[Decimal, Field(max_digits=14, decimal_places=2)]
Price = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=4)]
Text = Annotated[str, Field(max_length=200)]


def _unit_label(unit) -> str:
    return f"{unit.building.name}-{unit.number}"
