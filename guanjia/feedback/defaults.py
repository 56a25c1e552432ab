"""The default question set of a satisfaction survey, per service line, from the seeds: seed 000's
"五个良好" of the 业主服务满意体系 and seed 002's core service flow (客户服务, 工程维保, 安保, 清洁绿化)."""

from django.utils.translation import gettext_lazy as _

from guanjia.feedback.choices import ServiceLine

DEFAULT_QUESTIONS: dict[str, list] = {
    ServiceLine.CUSTOMER_SERVICE: [
        _("服务中心接待热情、礼貌，管理服务质量与态度良好"),
        _("报事报修、咨询、投诉受理及时，处理结果及时告知"),
        _("物业服务信息公开（公告、收费、服务标准）及时、清楚"),
    ],
    ServiceLine.ENGINEERING: [
        _("维修人员响应及时、按约定时间到场"),
        _("维修质量好，一次修好，现场清理干净"),
        _("电梯、供水供电、公共照明等设备运行与维护良好"),
    ],
    ServiceLine.SECURITY: [
        _("门岗值守与访客、车辆管理规范"),
        _("巡逻到位，小区治安与消防安全管理良好"),
        _("秩序维护人员仪容仪表、礼仪良好"),
    ],
    ServiceLine.ENVIRONMENT: [
        _("楼道、电梯轿厢、公共区域保洁干净及时"),
        _("垃圾收集清运及时，无异味"),
        _("绿化养护良好，环境整洁优美"),
    ],
}
