"""The default checklist is the seed's whole table (seed 001 篇2), row by row."""

import re
from pathlib import Path

from guanjia.quality.choices import Frequency
from guanjia.quality.services import default_rows

FIXTURE = Path(__file__).parent / "fixtures" / "seed001_customer_service_table.txt"
FULL_TO_HALF = str.maketrans({"，": ",", "：": ":", "；": ";", "？": "?", "（": "(", "）": ")", "！": "!"})
FREQUENCY_WORDS = ("月度", "季度", "年度")
# The seed's words for our frequencies (not the translated labels: another test may switch language).
SEED_WORDS = {Frequency.MONTHLY: "月度", Frequency.QUARTERLY: "季度", Frequency.YEARLY: "年度"}


def norm(text: str) -> str:
    # Full-width punctuation as the seed writes it (half-width), no spaces, no injected web spam.
    return re.sub(r"\s+", "", text.translate(FULL_TO_HALF)).replace("k8凯发会员登录的", "")


def fixture_lines() -> list[str]:
    return [norm(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines()]


def row_lines(lines) -> list[int]:
    """Lines of the seed table that start a row: "(n)…" or a line carrying a frequency."""
    return [
        i
        for i, line in enumerate(lines)
        if re.match(r"^\(\d\)", line) or (any(w in line for w in FREQUENCY_WORDS) and "文件名称" not in line)
    ]


def test_every_seed_row_is_one_item_of_the_default_template():
    lines = fixture_lines()
    rows = default_rows()
    matched: dict[int, str] = {}
    for row in rows:
        standard = norm(row["standard"])
        found = [i for i, line in enumerate(lines) if standard in line]
        assert len(found) == 1, f"standard not found exactly once in the seed: {row['standard']}"
        assert found[0] not in matched, f"two items for one seed row: {row['standard']}"
        matched[found[0]] = row["standard"]
    assert sorted(matched) == row_lines(lines), "a row of the seed table is missing from the default template"
    assert len(rows) == 25


def test_each_item_keeps_the_seeds_frequency_sample_check_and_criterion():
    lines = fixture_lines()
    text = "".join(lines)
    for row in default_rows():
        i = next(i for i, line in enumerate(lines) if norm(row["standard"]) in line)
        # Merged cells: the frequency and sample are on this row or the first row of its group above.
        while not any(w in lines[i] for w in FREQUENCY_WORDS):
            i -= 1
        label = SEED_WORDS[row["frequency"]]
        assert f"{label}{row['sample']}" in lines[i], row["standard"]
        for part in row["check"].splitlines():
            assert norm(part) in text, part
        for part in row["criterion"].splitlines():
            assert norm(part) in text, part
        for method in row["methods"]:
            assert f"{method}:" in norm(row["check"]), (method, row["check"])


def test_sections_in_the_seeds_order(qw):
    titles = list(qw.template.sections.values_list("title", flat=True))
    assert titles == [
        "主动帮助",
        "便民物品配备",
        "营造安静环境",
        "方便缴费",
        "先进评选",
        "便民活动",
        "信息公示",
        "接待礼仪",
        "园区巡视",
    ]
    counts = [s.items.count() for s in qw.template.sections.order_by("position")]
    assert counts == [5, 4, 2, 2, 1, 2, 2, 5, 2]
    assert qw.template.items.filter(frequency="monthly").count() == 2
    assert qw.template.items.filter(frequency="yearly").count() == 2
