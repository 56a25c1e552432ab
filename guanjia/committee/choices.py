from django.db import models
from django.utils.translation import gettext_lazy as _


class MemberRole(models.TextChoices):
    CHAIR = "chair", _("主任")
    VICE = "vice", _("副主任")
    MEMBER = "member", _("委员")


class ResolutionStatus(models.TextChoices):
    OPEN = "open", _("待落实")
    DONE = "done", _("已落实待确认")
    CONFIRMED = "confirmed", _("已确认关闭")


class VoteStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    OPEN = "open", _("表决中")
    CLOSED = "closed", _("已结束")


class BallotChoice(models.TextChoices):
    FOR = "for", _("同意")
    AGAINST = "against", _("反对")
    ABSTAIN = "abstain", _("弃权")


class BallotChannel(models.TextChoices):
    PORTAL = "portal", _("业主端投票")
    PAPER = "paper", _("纸质表决票（前台录入）")


class SuggestionStatus(models.TextChoices):
    OPEN = "open", _("待答复")
    ANSWERED = "answered", _("已答复")


class Step(models.IntegerChoices):
    """The ladder of a late resolution or suggestion: its owner (and the committee's contact on the
    staff side) at the deadline, the project manager a day later."""

    OWNER = 1, _("责任人")
    MANAGER = 2, _("项目经理")


# Matters of art. 278 (1)(6)–(8) of the Civil Code: three quarters of the participating area and
# owners must agree; every other matter needs more than half.
SPECIAL_MATTERS_HELP = _(
    "《民法典》第二百七十八条规定的特别事项：筹集建筑物及其附属设施的维修资金；"
    "改建、重建建筑物及其附属设施；改变共有部分的用途或者利用共有部分从事经营活动。"
    "特别事项须经参与表决专有部分面积四分之三以上且参与表决人数四分之三以上的业主同意；"
    "其他事项（如使用维修资金、选聘解聘物业服务企业、修改管理规约、选举业主委员会）须过半数同意。"
)
