"""The default checklist every company starts with: 华润物业客服部服务细节品质检查标准 (seed 001, 篇2).

Every row of the seed's table, in its order. Where the table merges a cell over several rows
(the frequency and sample of a group, the role-play check of 接待礼仪), each row carries the merged
value. Two words injected by the web page the seed was copied from ("k8凯发会员登录的") are not part
of the standard and are left out. ``methods``: 问 ask, 查 inspect records, 看 look, 模拟 role-play.
``physical``: a failure is a defect of the place that a service request can fix.
"""

NAME = "客服部服务细节品质检查标准"
SOURCE = "华润物业客服部服务细节品质检查标准（客服专业口集团服务细节执行）"

_RECEPTION_CHECK = "模拟：扮演客户，抽查2人是否按接待礼仪要求进行接待。"

SECTIONS: list[dict] = [
    {
        "title": "主动帮助",
        "items": [
            {
                "standard": "在巡视时，如遇有需要的业户应主动上前为其打开单元门",
                "methods": ["问"],
                "frequency": "quarterly",
                "sample": "抽查2人",
                "check": "问：工作人员若遇业主进门是，应怎样主动帮助？",
                "criterion": "不清楚：不合格",
            },
            {
                "standard": "对于需要帮助的业主，服务人员主动帮助业户刷卡",
                "methods": ["问"],
                "frequency": "quarterly",
                "sample": "抽查2人",
                "check": "问：工作人员若遇提重物进门，应怎样主动帮助？",
                "criterion": "不清楚：不合格",
            },
            {
                "standard": "如遇业户上下电梯，应主动上前帮助按电梯按钮",
                "methods": ["问"],
                "frequency": "quarterly",
                "sample": "抽查2人",
                "check": "问：工作人员若遇业主上下电梯，应怎样主动帮助？",
                "criterion": "不清楚：不合格",
            },
            {
                "standard": "如遇身体不适、老弱病残幼、孕妇或携有大宗物品的业户时，马上主动上前询问是否需要帮忙，"
                "并尽可能予以帮助",
                "methods": ["问"],
                "frequency": "quarterly",
                "sample": "抽查2人",
                "check": "问：在园区巡查时，若遇身体不适、老弱病残幼、孕妇或携有大宗物品的客户，应怎样主动帮助？",
                "criterion": "不清楚：不合格",
            },
            {
                "standard": "发现有查找需求的人员时，应主动礼貌询问是否需要帮助，并做出指引。",
                "methods": ["问"],
                "frequency": "quarterly",
                "sample": "抽查2人",
                "check": "问：在园区巡查时，若遇业主有找人需要，应怎样主动帮助？",
                "criterion": "不清楚：不合格",
            },
        ],
    },
    {
        "title": "便民物品配备",
        "items": [
            {
                "standard": "园区配备购物车",
                "methods": ["查"],
                "frequency": "yearly",
                "sample": "抽查1处",
                "check": "查：购物车是否配备，功能是否正常。",
                "criterion": "未配备：不合格\n功能不正常：不合格",
                "physical": True,
            },
            {
                "standard": "客服中心常备雨伞架、蜡烛、应急灯、红药水、创口贴、风油精等物品",
                "methods": ["查"],
                "frequency": "quarterly",
                "sample": "100%",
                "check": "查：客服中心是否配备雨伞架、蜡烛、应急灯、红药水、创口贴、风油精等物品",
                "criterion": "未配备：不合格",
            },
            {
                "standard": "客服前台应为中老年客户配备放大镜或老花镜",
                "methods": ["查"],
                "frequency": "quarterly",
                "sample": "100%",
                "check": "查：客服中心前台是否配备放大镜或老花镜",
                "criterion": "未配备：不合格",
            },
            {
                "standard": "客服中心配备轮椅，有需求的业户在登记房号、姓名、联系方式并出示有效证件后即可免费使用。",
                "methods": ["查"],
                "frequency": "quarterly",
                "sample": "100%",
                "check": "查：客服中心是否配备轮椅，是否有登记借用记录。",
                "criterion": "未配备：不合格\n无记录：不合格",
            },
        ],
    },
    {
        "title": "营造安静环境",
        "items": [
            {
                "standard": "将车道窨井盖的四周用橡胶皮固定，避免车轮压过时产生噪音",
                "methods": ["看"],
                "frequency": "yearly",
                "sample": "抽查2处",
                "check": "看：项目是否使用防噪措施对窨井盖进行处理。",
                "criterion": "未使用：不合格",
                "physical": True,
            },
            {
                "standard": "非紧急情况下，物业人员应避免用餐时间、清晨和晚上21时以后给业户打电话。",
                "methods": ["问"],
                "frequency": "monthly",
                "sample": "抽查2人",
                "check": "问：客服前台，哪些时段不宜给客户拨打电话。",
                "criterion": "不清楚：不合格",
            },
        ],
    },
    {
        "title": "方便缴费",
        "items": [
            {
                "standard": "当业户提出上门收费需求时，客服人员应详细记录业户姓名与门牌号，提前一天与业户约定具体时间，"
                "出发前致电业户，并携带有效工作证件、充足的零钱、微型验钞设备、票据、支票夹和鞋套；"
                "对于办理银行转帐支付物业管理费的业主，根据业主要求可上门递送相关发票。",
                "methods": ["问", "查"],
                "frequency": "quarterly",
                "sample": "100%",
                "check": "问：客服前台业主若来电要求上门收费（确实有需要的客户）是否可上门收费。要带些什么物品？\n"
                "查：上门收费验钞设备、票据",
                "criterion": "不清楚：不合格\n无设备：不合格",
            },
            {
                "standard": "在收费高峰期调整收费人员上下班时间，方便业户办理缴费业务。",
                "methods": ["问", "查"],
                "frequency": "quarterly",
                "sample": "100%",
                "check": "问：每月业主收费高峰期集中在什么时候？\n查：高峰期是否安排人员保障收费",
                "criterion": "未安排：不合格",
            },
        ],
    },
    {
        "title": "先进评选",
        "items": [
            {
                "standard": "定期组织评选物业“服务之星”，如bi之星、微笑大使、技术能手等，在小区公示。",
                "methods": ["查"],
                "frequency": "quarterly",
                "sample": "100%",
                "check": "查：是否评选服务之星，\n查：是否小区公示",
                "criterion": "未评选：不合格\n无公示记录：不合格",
            },
        ],
    },
    {
        "title": "便民活动",
        "items": [
            {
                "standard": "将突发事件应急处理、生活小常识、社区（小区）活动信息等发布于公告栏内，定期更新",
                "methods": ["查"],
                "frequency": "monthly",
                "sample": "抽查1个",
                "check": "查：信息发布记录，是否定期发布此项信息",
                "criterion": "未发布：不合格",
            },
            {
                "standard": "定期组织磨刀、废品回收、家电维修等集中服务",
                "methods": ["查"],
                "frequency": "quarterly",
                "sample": "100%",
                "check": "查：活动方案、记录、签到、评估报告",
                "criterion": "未开展：不合格",
            },
        ],
    },
    {
        "title": "信息公示",
        "items": [
            {
                "standard": "在园区显眼处公示项目管理团队、客服人员、片区管家的照片、姓名和联系方式。",
                "methods": ["看"],
                "frequency": "quarterly",
                "sample": "100%",
                "check": "看：是否公示",
                "criterion": "未公示或公示不全：不合格",
                "physical": True,
            },
            {
                "standard": "在客服中心设置服务监督栏，张贴服务人员照片、姓名，方便客户监督服务工作。",
                "methods": ["看"],
                "frequency": "quarterly",
                "sample": "100%",
                "check": "看：是否张贴",
                "criterion": "未张贴或张贴不全：不合格",
                "physical": True,
            },
        ],
    },
    {
        "title": "接待礼仪",
        "items": [
            {
                "standard": "接待客户来访或投诉时，工作人员应请其入座，送上茶水，耐心倾听、解答并做好记录，"
                "解决不了的问题迅速上报，严禁言语失礼",
                "methods": ["模拟"],
                "frequency": "quarterly",
                "sample": "抽查2人",
                "check": _RECEPTION_CHECK,
                "criterion": "不符合：不合格",
            },
            {
                "standard": "投诉接待人员必须第一时间向客户反馈投诉处理情况，听取意见并表达诚意",
                "methods": ["模拟"],
                "frequency": "quarterly",
                "sample": "抽查2人",
                "check": _RECEPTION_CHECK,
                "criterion": "不符合：不合格",
            },
            {
                "standard": "业户集中反应的问题处理完成后，及时回访",
                "methods": ["模拟"],
                "frequency": "quarterly",
                "sample": "抽查2人",
                "check": _RECEPTION_CHECK,
                "criterion": "不符合：不合格",
            },
            {
                "standard": "客户来接待中心前台时，客服专员应微笑起立，弯腰15度并问好，站立迎接客户",
                "methods": ["模拟"],
                "frequency": "quarterly",
                "sample": "抽查2人",
                "check": _RECEPTION_CHECK,
                "criterion": "不符合：不合格",
            },
            {
                "standard": "客服人员在与客户交谈后需离开时，应先退后三步再转身离开，以示尊重。",
                "methods": ["模拟"],
                "frequency": "quarterly",
                "sample": "抽查2人",
                "check": _RECEPTION_CHECK,
                "criterion": "不符合：不合格",
            },
        ],
    },
    {
        "title": "园区巡视",
        "items": [
            {
                "standard": "发现问题，做好记录并及时跟进",
                "methods": ["问", "查"],
                "frequency": "quarterly",
                "sample": "抽查2人",
                "check": "问：近期巡查是否有在园区遇到业主反映报事或投诉？\n"
                "查：客服助理是否在巡查记录本。\n"
                "查：客服助理在巡查中遇到的业主问题是否记录，并转入报事或投诉流程",
                "criterion": "未配备：不合格\n未记录：不合格\n未转入：不合格",
            },
            {
                "standard": "业户提出问题时应及时准确回答，不清楚的事项回答：“对不起，先生/小姐，这个问题我不太清楚，"
                "我帮您汇报后尽快给您回复”，做好记录并及时跟进。",
                "methods": ["问"],
                "frequency": "quarterly",
                "sample": "抽查2人",
                "check": "问：客户助理，在遇到客户提问不清楚时，应怎样回复客户。",
                "criterion": "不清楚：不合格",
            },
        ],
    },
]
