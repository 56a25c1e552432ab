"""Natural order of names with numbers in them: 1栋, 2栋, 10栋, 20栋 — not 1栋, 10栋, 2栋, 20栋.

The database sorts text character by character, so names are listed through a stored key instead:
``natural_key`` writes every number as its count of digits (two digits) and then its digits
("2栋" → "012栋", "10栋" → "0210栋"): a shorter number is a smaller one, numbers of the same length
compare digit by digit, so the text order of the keys is the natural order of the names. One
function makes every key (buildings, units), so lists, pickers, exports and boards all agree.
"""

from __future__ import annotations

import re

MAX_DIGITS = 99  # a number's length is written with two digits; longer runs are cut (never seen)
MAX_LENGTH = 255  # the stored key's column size
_DIGITS = re.compile(r"\d+")


def natural_key(text: str) -> str:
    """The key that sorts ``text`` in natural order: "1001" after "201", "B2" before "B10".

    Leading zeros do not count ("01" and "1" get the same key); full-width digits count as
    digits ("１０栋" is "10栋"); letters keep their case.
    """

    def number(match: re.Match) -> str:
        digits = str(int(match.group()))[:MAX_DIGITS]  # int(): full-width digits ("１０") too
        return f"{len(digits):02d}{digits}"

    return _DIGITS.sub(number, text.strip())[:MAX_LENGTH]
