"""Every change of feedback records: surveys (draft → open → closed), households' answers and
their follow-up, cards cast, yellow cards answered, and the monthly tally published once.

One module per part of the business; every name is re-exported here, so
``from guanjia.feedback.services import X`` and ``services.X`` keep working:

- ``surveys``: opening and closing surveys, households' answers, low scores → complaints.
- ``cards``: casting red/yellow/blue cards; a yellow card's owner, deadline, response and escalation.
- ``tallies``: the monthly tally, published once (the yearly rating is read in ``selectors``).
- ``fee_scales``: pay by satisfaction (买单式).
- ``common``: the present (the one clock seam, ``common._now``), months, households per project.
"""

# What a share satisfied earns on a scale is a read; it stays importable from here as it always was.
from guanjia.feedback.selectors import HUNDRED, fee_percent
from guanjia.feedback.services.cards import (
    YELLOW_CARD_DAYS,
    card_cast,
    card_close,
    escalate_overdue_cards,
    may_answer_card,
)
from guanjia.feedback.services.common import households, month_of, parse_month, previous_month
from guanjia.feedback.services.fee_scales import fee_scale_publish
from guanjia.feedback.services.surveys import (
    LOW_SCORE,
    PERIOD_RE,
    SURVEY_FIELDS,
    close_due_surveys,
    notify_survey_opened,
    response_submit,
    resume_survey_notices,
    survey_close,
    survey_create,
    survey_delete,
    survey_open,
    survey_update,
)
from guanjia.feedback.services.tallies import TALLY_CATCH_UP_MONTHS, publish_tallies

__all__ = [
    "HUNDRED",
    "LOW_SCORE",
    "PERIOD_RE",
    "SURVEY_FIELDS",
    "TALLY_CATCH_UP_MONTHS",
    "YELLOW_CARD_DAYS",
    "card_cast",
    "card_close",
    "close_due_surveys",
    "escalate_overdue_cards",
    "fee_percent",
    "fee_scale_publish",
    "households",
    "may_answer_card",
    "month_of",
    "notify_survey_opened",
    "parse_month",
    "previous_month",
    "publish_tallies",
    "response_submit",
    "resume_survey_notices",
    "survey_close",
    "survey_create",
    "survey_delete",
    "survey_open",
    "survey_update",
]
