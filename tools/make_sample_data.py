"""Generate the binary and legacy-encoded sample files in ``sample_data/kb/``.

Run from the repository root::

    python tools/make_sample_data.py

Files written (all content is fictional):

* ``客服话术.txt``      reply scripts, GBK encoding, CRLF line endings
* ``門市服務須知.txt``  pickup-point rules, Traditional Chinese, Big5, CRLF
* ``常见问题.xlsx``     FAQ sheet (openpyxl)
* ``安装说明.docx``     kettle manual with heading styles (python-docx)
* ``会员权益.pdf``      membership rules with a CJK text layer (reportlab)

Dev-time dependencies only, the product itself does not need them:
``openpyxl``, ``python-docx``, ``reportlab`` and ``pypdf`` (used to verify
that the PDF text layer extracts correctly)::

    pip install openpyxl python-docx reportlab pypdf

The other sample files (``售后服务手册.md``, ``常见问题.csv``,
``活动公告.html``) are plain UTF-8 text kept directly in the repository.

Output is deterministic: document timestamps are pinned and the ZIP entries
of the Office files are rewritten with a fixed date.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import zipfile
from pathlib import Path

KB_DIR = Path(__file__).resolve().parent.parent / "sample_data" / "kb"

FIXED_DATETIME = dt.datetime(2024, 3, 1, 9, 0, 0)
ZIP_DATE_TIME = (2024, 3, 1, 9, 0, 0)
AUTHOR = "青禾家居旗舰店客服部"
CORE_TIMESTAMP = b"2024-03-01T09:00:00Z"
CORE_MODIFIED_RE = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*")

# ---------------------------------------------------------------------------
# 客服话术.txt (GBK)
# ---------------------------------------------------------------------------

REPLY_SCRIPTS_TITLE = "青禾家居旗舰店客服标准话术（2024年3月版）"

REPLY_SCRIPTS: list[tuple[str, list[tuple[str, str]]]] = [
    (
        "售前咨询",
        [
            (
                "你好，在吗？",
                "您好，欢迎光临青禾家居旗舰店，我是客服小禾，很高兴为您服务，请问有什么可以帮您？",
            ),
            (
                "这个四件套是纯棉的吗？会不会起球？",
                "您好，这款四件套是全棉面料，具体成分和支数在商品详情页的“规格参数”里有标注。"
                "正常洗涤使用不会明显起球；如果签收后15天内出现严重起球等质量问题，"
                "可以联系我们换货或退货，来回运费由我们承担。",
            ),
            (
                "电热水壶有保修吗？能用多久？",
                "有的，小家电自签收之日起享受一年保修，电热水壶的发热盘享受两年保修。"
                "订单号就是保修凭证，不需要纸质保修卡哦。",
            ),
            (
                "你们从哪里发货？多久能到？",
                "本店商品统一从浙江嘉兴仓发出，现货在付款后48小时内发货，当天16:00前付款的一般当天发出。"
                "江浙沪一般1至2天送达，其他大部分地区2至4天，偏远地区5至7天。",
            ),
            (
                "买了能开发票吗？",
                "可以的，本店默认开具电子普通发票。您确认收货后申请，我们在3个工作日内开具，"
                "发送到订单的发票中心和您预留的邮箱。需要专票的话告诉我，我把所需资料清单发给您。",
            ),
            (
                "包邮吗？",
                "订单实付满99元包邮，不满99元收取运费8元。新疆、西藏、青海、内蒙古、宁夏、甘肃属于偏远地区，"
                "不参与包邮，每单加收运费20元，还请您谅解。",
            ),
            (
                "可以发顺丰吗？",
                "本店默认发中通快递，订单实付满299元或含大件小家电的默认发顺丰。"
                "其他订单如需指定顺丰，补付运费差价10元即可。",
            ),
            (
                "现在买了，过几天降价怎么办？",
                "本店支持7天保价，付款之日起7天内同一商品降价，可以申请退还差价。"
                "限时秒杀、直播间专享价和个人优惠券造成的差价不在保价范围内哦。",
            ),
        ],
    ),
    (
        "物流查询",
        [
            (
                "我的快递怎么还没发？",
                "非常抱歉让您久等了，请您稍等，我马上为您查询。现货商品会在付款后48小时内发出，"
                "大促期间延长至72小时内，查到结果后我第一时间告诉您。",
            ),
            (
                "物流三天都没动了，怎么回事？",
                "非常抱歉给您带来不便。物流信息超过72小时未更新的，我们会马上联系快递公司核查，"
                "并在24小时内把核查结果回复给您，请您留意消息。",
            ),
            (
                "快递显示签收了，但我没收到。",
                "您先别着急，麻烦您看一下附近的代收点、快递柜，或问问家人是否代收了。"
                "如果还是没有找到，我们会在24小时内联系快递公司调取签收凭证，一定给您一个答复。",
            ),
            (
                "我地址填错了，能改吗？",
                "订单发货前可以免费修改地址，您可以在订单页面直接修改。如果已经发货，"
                "我们可以联系快递公司尝试拦截改派，改派费用需要您承担，而且不能保证一定成功，还请您理解。",
            ),
            (
                "我在新疆，能发货吗？运费多少？",
                "可以发货的。新疆属于偏远地区，不参与满99元包邮，每单统一加收运费20元，"
                "配送时效一般为发货后5至7天，请您知悉。",
            ),
            (
                "快递丢了怎么办？",
                "非常抱歉！我们会先联系快递公司核实，确认丢件后在24小时内为您补发或全额退款，"
                "两种方式由您选择。",
            ),
            (
                "能寄到香港吗？",
                "非常抱歉，目前港澳台地区及海外地址暂不发货，给您带来不便，敬请谅解。",
            ),
        ],
    ),
    (
        "退换货",
        [
            (
                "收到的床单不喜欢，可以退吗？",
                "可以的，本店支持7天无理由退货。签收之日起7天内，商品未使用、未洗涤，吊牌和包装齐全就可以申请。"
                "无理由退货的寄回运费需要您承担；如果下单时购买了退货运费险，会由保险公司理赔。",
            ),
            (
                "玻璃锅盖收到就碎了，怎么办？",
                "非常抱歉给您带来不好的体验！请您注意安全，不要徒手清理碎片。"
                "麻烦您在签收后24小时内拍一下外包装整体照片（含快递面单）和破损部位的照片发给我，"
                "有开箱视频更好。核实后我们会在48小时内免费为您补发，或者为您办理退款。",
            ),
            (
                "退货以后多久能退钱？",
                "仓库签收退回商品后48小时内完成验货，验货通过后系统自动原路退款。"
                "支付宝余额、微信零钱一般1至3个工作日到账；银行卡以发卡银行为准，一般3至7个工作日到账。",
            ),
            (
                "被子颜色想换一个，能换吗？",
                "可以的，同款同价的商品可以更换颜色或尺寸，每笔订单可换货一次。"
                "仓库收到您寄回的商品并验货通过后，48小时内为您发出新的商品。",
            ),
            (
                "电水壶用了一个多月，突然不加热了。",
                "非常抱歉给您添麻烦了。小家电享受一年保修，您签收已超过15天，我们为您免费维修。"
                "麻烦您拍一段故障视频发给我，我为您预约顺丰上门取件，寄修运费由我们承担，"
                "维修中心收到后7个工作日内修好寄回。",
            ),
            (
                "质量问题退货，运费谁出？",
                "质量问题退换货的来回运费由我们承担。我可以为您预约顺丰上门取件，运费由我们直接结算；"
                "如果您已经自行寄出并垫付了运费，请保留快递单据，退款时一并补偿，单笔补偿上限为25元。",
            ),
            (
                "我寄回去可以用到付吗？",
                "抱歉，仓库不接收到付件，到付件会被拒收哦。质量问题的话我为您预约顺丰上门取件；"
                "无理由退货请您先行支付运费寄回。",
            ),
            (
                "退货申请通过了，我过几天再寄可以吗？",
                "可以的，审核通过后请您在7天内寄出商品并填写物流单号，超过7天未填写，退货申请会自动关闭。"
                "寄回时请在包裹里放一张写有订单号和联系方式的纸条，方便仓库尽快处理。",
            ),
        ],
    ),
    (
        "投诉安抚",
        [
            (
                "你们这什么破质量，我要投诉！",
                "非常抱歉给您带来这么不好的体验，我完全理解您的心情。麻烦您把问题照片发给我，"
                "我马上为您核实，一定给您一个满意的处理方案。",
            ),
            (
                "你们客服半天不回，什么态度！",
                "真的非常抱歉让您久等了，是我们的服务没有做好。您遇到的问题请告诉我，我全程跟进为您处理。",
            ),
            (
                "退款都一个星期了还没到账，你们是不是骗子？",
                "非常理解您的着急，给您添麻烦了，请您稍等，我马上帮您查询退款进度。"
                "如果状态已经显示“退款成功”，银行卡退款以发卡银行处理时间为准，一般3至7个工作日到账，"
                "您可以在对应的支付渠道查看账单明细。",
            ),
            (
                "不给我赔偿，我就去平台投诉。",
                "非常抱歉给您造成困扰，您的诉求我已经详细记录，会在2小时内提交给客服主管，"
                "主管会在今天之内给您答复处理方案，请您放心。",
            ),
            (
                "电饭煲用的时候冒烟了，太危险了！",
                "非常抱歉！请您先立即拔掉电源、停止使用，注意人身安全。我已经把问题上报给售后经理，"
                "售后经理会在2小时内联系您，请您保留好产品和现场照片。",
            ),
            (
                "有人打电话说是你们客服，让我提供验证码办理退款。",
                "请您千万不要提供验证码！这是诈骗电话，本店不会主动向您索要验证码，所有退款都通过平台原路退回。"
                "如果您已经透露了信息，请尽快联系支付平台冻结账户并报警。",
            ),
            (
                "上次说给我回复，结果到现在都没人理我。",
                "非常抱歉，是我们的跟进没有做到位。我已经查看了之前的记录，这次由我全程负责，"
                "会在24小时内给您明确的处理方案，处理完成后还会回访确认。",
            ),
        ],
    ),
    (
        "催付与活动",
        [
            (
                "我先下单，晚点再付款。",
                "好的，亲～您拍下的商品库存有限，付款后才会为您锁定库存哦。"
                "当天16:00前付款的现货订单一般当天就能发出，建议您尽早付款，早点用上新品。",
            ),
            (
                "会员日有什么优惠？",
                "每月18日是本店会员日，当天下单积分按2倍计算，不与会员等级倍率叠加。"
                "会员中心还有专属优惠券可以领取，欢迎您去看看。",
            ),
            (
                "积分怎么用？",
                "100积分可以抵扣1元，单笔订单积分抵扣金额不超过实付金额的10%。"
                "积分有效期为获得之日起12个月，过期会自动作废，记得及时使用哦。",
            ),
            (
                "怎么才能成为金卡会员？",
                "近12个月在本店累计实付满3000元即可成为金卡会员，满1000元为银卡会员，会员等级每月1日自动评定。"
                "金卡会员每笔订单赠送退货运费险，生日当月还可以领取一张9折券。",
            ),
            (
                "活动期间买的，发货会慢吗？",
                "大促期间订单量较大，发货时效延长至付款后72小时内，我们会尽快为您安排，请您耐心等待，感谢理解。",
            ),
            (
                "还没付款，能帮我改一下价格吗？",
                "抱歉，我们这边不能手动改价哦。您可以先在店铺首页领取优惠券再付款，订单满99元还可以包邮。",
            ),
            (
                "帮我催一下，我今天就要用。",
                "理解您着急使用，我马上为您备注加急，尽力优先安排。现货商品承诺付款后48小时内发货，"
                "具体到货时间以快递配送为准，还请您谅解。",
            ),
            (
                "好的，没有其他问题了，谢谢。",
                "感谢您对青禾家居的支持，祝您生活愉快！如有其他问题，欢迎随时联系我们。",
            ),
        ],
    ),
]


def render_reply_scripts() -> str:
    """Return the reply-script file as text with ``\\n`` line breaks."""
    lines = [REPLY_SCRIPTS_TITLE, ""]
    for section, pairs in REPLY_SCRIPTS:
        lines.append(f"【{section}】")
        lines.append("")
        for question, reply in pairs:
            lines.append(f"Q：{question}")
            lines.append(f"K：{reply}")
            lines.append("")
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# 門市服務須知.txt (Traditional Chinese, Big5)
# ---------------------------------------------------------------------------

STORE_NOTICE = """\
青禾家居嘉興倉自提點服務須知

為方便鄰近地區的顧客，青禾家居旗艦店在嘉興倉設立線下自提點。顧客在線上下單時選擇「到店自提」，即可到自提點領取商品，免收運費。前往自提點之前，請詳細閱讀以下須知。

一、地點與營業時間
1. 自提點位於嘉興倉一樓東門，入口處設有綠色的「青禾家居自提點」指示牌。
2. 營業時間為週二至週日10:00至19:00，每週一公休。國定假日的營業時間另行公告。
3. 每日18:30以後不再受理大件商品提貨，請提早到店。

二、取件通知
1. 商品到達自提點後，系統會以簡訊發送6位數取件碼。
2. 取件碼僅限使用一次，請勿轉發給他人。

三、取件所需證件
1. 本人取件：請出示取件碼及下單人本人的有效身分證件正本（身分證、駕駛執照或護照均可），影本或手機翻拍照片恕不受理。
2. 代為取件：代取人須出示取件碼、下單人親筆簽名的委託書，以及代取人本人的身分證件正本。每筆訂單限委託一人代取。
3. 未滿16歲者不得代為取件。

四、包裹保管期限
1. 包裹自到達自提點當日起保管5天（含到達當日）。
2. 保管期第4天，系統會再次發送簡訊提醒。
3. 逾期未取的包裹將退回倉庫，訂單自動取消，貨款於包裹退回倉庫後3個工作日內原路退回。自提點不提供延長保管服務。

五、現場驗貨
1. 請於櫃檯當面拆封驗貨。如發現商品破損或錯發，可當場更換或拒收。
2. 離開櫃檯後才發現的問題，請依線上售後流程聯繫客服處理。

六、大件商品
單件重量超過20公斤的商品（如床墊、整箱被芯），請自備車輛。自提點可免費借用手推車，使用完畢請歸還櫃檯。床墊等大件商品請至少提前1天透過線上客服預約提貨時段，未預約者可能需要現場等候。

七、退貨服務
符合七天無理由退貨條件的商品，可在營業時間內直接送回自提點辦理退貨，免去寄回運費。送回時請提供原訂單號。

八、其他規定
1. 自提點門口設有臨時停車位，可免費停車30分鐘。
2. 自提點不設現場零售與收銀，不接受現金付款。
3. 為保障顧客與員工安全，寵物請勿進入倉庫區域。
4. 自提點提供免費的包裝紙箱回收服務，拆下的外箱可放在櫃檯旁的回收區。
5. 自提點不受理發票開立，發票請依線上流程申請。

九、臨時停業
遇颱風、暴雨等惡劣天氣，自提點可能臨時停止營業，屆時將以簡訊通知顧客，停業期間包裹的保管期限相應順延。

如有疑問，請於營業時間內洽詢自提點櫃檯，或聯繫線上客服。

青禾家居旗艦店
2024年3月
"""


def write_legacy_text(path: Path, text: str, encoding: str) -> None:
    """Write ``text`` with Windows line endings in a legacy encoding.

    ``errors="strict"`` makes a character the codec cannot represent fail
    loudly instead of being replaced silently.
    """
    data = text.replace("\n", "\r\n").encode(encoding, errors="strict")
    path.write_bytes(data)


# ---------------------------------------------------------------------------
# 常见问题.xlsx
# ---------------------------------------------------------------------------

FAQ_HEADER = ("问题", "答案", "相似问题", "标签")

FAQ_XLSX_ROWS: list[tuple[str, str, str, str]] = [
    (
        "怎么成为店铺会员？",
        "关注店铺并注册入会即可成为普通会员，入会免费。",
        "如何入会|会员怎么注册",
        "会员",
    ),
    (
        "银卡和金卡会员怎么升级？",
        "近12个月在本店累计实付满1000元升级为银卡会员，满3000元升级为金卡会员。会员等级于每月1日自动评定。",
        "怎么升级金卡|银卡要消费多少钱",
        "会员",
    ),
    (
        "不同等级的会员积分有什么区别？",
        "每实付1元获得1积分，银卡会员按1.2倍、金卡会员按1.5倍累计，积分在订单确认收货后到账。",
        "金卡积分是几倍|买东西送多少积分",
        "会员|积分",
    ),
    (
        "积分有效期多久？",
        "积分有效期为获得之日起12个月，过期自动作废。",
        "积分会过期吗|积分什么时候清零",
        "积分",
    ),
    (
        "会员日是哪一天？",
        "每月18日为会员日，当天下单积分按2倍计算，不与会员等级倍率叠加。",
        "会员日有什么活动|18号有双倍积分吗",
        "会员|积分|活动",
    ),
    (
        "金卡会员有哪些专属权益？",
        "金卡会员生日当月可领取一张9折券（最高抵扣100元），每笔订单赠送退货运费险，"
        "并享受专属客服通道，优先接待。",
        "金卡有什么好处|金卡送运费险吗",
        "会员",
    ),
    (
        "退货后积分会被扣掉吗？",
        "会的。订单退货退款后，该订单获得的积分将被扣回；使用积分抵扣的部分会退还相应积分。",
        "退款后积分怎么处理|退货积分还有吗",
        "积分|退换货",
    ),
    (
        "积分商城兑换的东西能退吗？",
        "积分兑换的商品不支持退换，质量问题除外。积分兑换商品也不参与保价。",
        "兑换的赠品能退吗|积分换的东西坏了怎么办",
        "积分|退换货",
    ),
    (
        "电热水壶第一次使用要注意什么？",
        "先撕去壶身保护膜，加水至MAX刻度线烧开后倒掉，重复2至3次以去除新壶异味。"
        "水量应在0.5L最低水位线与1.7L最高水位线之间，切勿空壶通电。",
        "新水壶有异味怎么办|水壶第一次怎么用",
        "小家电",
    ),
    (
        "电热水壶怎么除水垢？",
        "建议每月除垢一次：加入约15克食品级柠檬酸，加水至MAX刻度线，烧开后静置30分钟，"
        "倒掉后用清水冲洗2遍即可。",
        "水壶有水垢怎么办|用什么清洗水壶",
        "小家电",
    ),
    (
        "小家电坏了寄修要多久？",
        "客服为您预约顺丰上门取件，保修期内的寄修运费由本店承担，维修中心收到故障机后7个工作日内修复并寄回。"
        "同一部件在保修期内经两次维修仍无法正常使用的，更换同型号新机。维修期间不提供备用机。",
        "维修几天能修好|寄修运费谁出|修了两次还坏怎么办",
        "小家电|保修",
    ),
    (
        "哪些情况不在小家电免费保修范围内？",
        "人为损坏（如摔落、挤压）、进水受潮、私自拆机或在非授权维修点维修过、"
        "使用不符合220V额定电压的电源、用于商业经营场所，以及超出保修期的，不在免费保修范围内。"
        "保修期外提供付费维修，免收检测费和人工费，只收配件成本费，往返运费由顾客承担。",
        "摔坏了能保修吗|过了保修期还能修吗",
        "小家电|保修",
    ),
]


def write_faq_xlsx(path: Path) -> None:
    """Write the FAQ workbook with a bold, frozen header row."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "常见问题"
    ws.append(FAQ_HEADER)
    for row in FAQ_XLSX_ROWS:
        ws.append(row)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for column, width in zip("ABCD", (32, 80, 36, 16), strict=True):
        ws.column_dimensions[column].width = width
    ws.freeze_panes = "A2"

    props = wb.properties
    props.creator = AUTHOR
    props.lastModifiedBy = AUTHOR
    props.title = "会员与小家电常见问题"
    props.created = FIXED_DATETIME
    props.modified = FIXED_DATETIME
    wb.save(path)
    normalize_zip(path)


# ---------------------------------------------------------------------------
# 安装说明.docx
# ---------------------------------------------------------------------------

KETTLE_TITLE = "青禾电热水壶（QH-K17）安装与使用说明"
KETTLE_INTRO = "感谢您选购青禾家居电热水壶。使用前请仔细阅读本说明，并妥善保管，以便日后查阅。"
KETTLE_SPECS: list[tuple[str, str]] = [
    ("产品型号", "QH-K17"),
    ("额定电压", "220V~ 50Hz"),
    ("额定功率", "1800W"),
    ("额定容量", "1.7L"),
    ("最低水位", "0.5L"),
    ("内胆材质", "304不锈钢"),
]
KETTLE_SAFETY: list[str] = [
    "请使用220V交流电源，并使用带接地线的三孔插座。",
    "壶内水量应在最低水位线（0.5L）与最高水位线（MAX，1.7L）之间，切勿空壶通电。",
    "请勿将壶身或底座浸入水中，也不要用水直接冲洗。",
    "烧水时及刚烧开后请勿触摸壶身金属部分，以免烫伤。",
    "本产品仅限家庭使用，请放在儿童接触不到的地方。",
]
KETTLE_STEPS: list[str] = [
    "开箱后取出壶身、底座和说明书，撕去壶身上的保护膜，检查配件是否齐全。",
    "将底座放在平稳、干燥的台面上，远离水槽和灶台；多余的电源线可绕在底座下方的绕线槽中。",
    "首次使用前，向壶内加水至MAX刻度线，烧开后倒掉，重复2至3次，以去除新壶异味。",
    "打开壶盖，加入适量清水，盖紧壶盖后将壶身放回底座。",
    "插上电源，按下开关，指示灯亮起，开始加热。",
    "水烧开后水壶自动断电，指示灯熄灭。",
    "使用完毕后，倒掉壶内余水，并拔下电源插头。",
]
KETTLE_CLEANING = (
    "建议每月除垢一次：在壶内加入约15克食品级柠檬酸，加水至MAX刻度线，烧开后静置30分钟，"
    "倒掉后用清水冲洗2遍即可。壶身外部请用拧干的湿布擦拭，不要使用钢丝球等硬物。"
)
KETTLE_TROUBLES: list[str] = [
    "指示灯不亮：请检查插头是否插好，壶身是否放正在底座上。",
    "自动断电后无法再次启动：可能触发了干烧保护，请拔掉电源，待水壶冷却约10分钟后加水再使用。",
    "烧出的水有异味：新壶首次使用时属正常现象，请按第3步反复烧水。",
]
KETTLE_WARRANTY = (
    "本产品自签收之日起享受一年保修，发热盘享受两年保修，订单号即保修凭证。"
    "出现故障时请勿自行拆修，请联系青禾家居旗舰店在线客服处理。"
)


def write_install_docx(path: Path) -> None:
    """Write the kettle manual using built-in Word heading and list styles."""
    from docx import Document

    doc = Document()
    doc.add_heading(KETTLE_TITLE, level=1)
    doc.add_paragraph(KETTLE_INTRO)

    doc.add_heading("一、产品参数", level=2)
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for name, value in KETTLE_SPECS:
        cells = table.add_row().cells
        cells[0].text = name
        cells[1].text = value

    doc.add_heading("二、安全注意事项", level=2)
    for item in KETTLE_SAFETY:
        doc.add_paragraph(item, style="List Bullet")

    doc.add_heading("三、安装与使用步骤", level=2)
    for step in KETTLE_STEPS:
        doc.add_paragraph(step, style="List Number")

    doc.add_heading("四、清洁与除垢", level=2)
    doc.add_paragraph(KETTLE_CLEANING)

    doc.add_heading("五、常见问题", level=2)
    for item in KETTLE_TROUBLES:
        doc.add_paragraph(item, style="List Bullet")

    doc.add_heading("六、保修说明", level=2)
    doc.add_paragraph(KETTLE_WARRANTY)

    core = doc.core_properties
    core.author = AUTHOR
    core.last_modified_by = AUTHOR
    core.title = KETTLE_TITLE
    core.created = FIXED_DATETIME
    core.modified = FIXED_DATETIME
    core.last_printed = FIXED_DATETIME
    core.revision = 1
    doc.save(str(path))
    normalize_zip(path)


# ---------------------------------------------------------------------------
# 会员权益.pdf
# ---------------------------------------------------------------------------

MEMBER_TITLE = "青禾家居会员权益说明"
MEMBER_SUBTITLE = "2024年版，自2024年3月1日起施行"
MEMBER_INTRO = (
    "为感谢广大顾客对青禾家居的支持，本店推出会员计划。会员可享受积分累计、积分抵现、生日礼券和专属客服等权益。"
    "本说明适用于青禾家居旗舰店的全部会员，请您仔细阅读。"
)
MEMBER_SECTIONS: list[tuple[str, list[str]]] = [
    (
        "一、会员等级",
        [
            "青禾家居会员分为普通会员、银卡会员和金卡会员三个等级。关注店铺并注册入会即成为普通会员；"
            "近12个月在本店累计实付满1000元升级为银卡会员，满3000元升级为金卡会员。"
            "会员等级于每月1日自动评定，累计金额不含运费，已退款的订单不计入。",
        ],
    ),
    (
        "二、积分规则",
        [
            "1. 每实付1元获得1积分，银卡会员按1.2倍、金卡会员按1.5倍累计，积分在订单确认收货后到账。",
            "2. 每月18日为会员日，当天下单积分按2倍计算，不与会员等级倍率叠加。",
            "3. 100积分可抵扣1元，单笔订单积分抵扣金额不超过订单实付金额的10%。",
            "4. 积分有效期为获得之日起12个月，过期自动作废；订单退货退款后，该订单获得的积分将被扣回。",
        ],
    ),
    (
        "三、专属权益",
        [
            "1. 普通会员：可领取会员专享优惠券，参加每月会员日活动。",
            "2. 银卡会员：生日当月可领取一张95折券。",
            "3. 金卡会员：生日当月可领取一张9折券，最高抵扣100元；每笔订单赠送退货运费险；"
            "享受专属客服通道，优先接待。",
        ],
    ),
    (
        "四、其他说明",
        [
            "积分及会员权益仅限会员本人账号使用，不可转让，不可兑换现金。"
            "通过虚假交易获取积分的，本店有权扣除相关积分并取消会员资格。"
            "会员权益如有调整，将提前7天在会员中心公告。",
            "会员可在店铺首页进入“会员中心”，查看当前等级、积分余额和积分明细；"
            "对积分有疑问的，请联系在线客服（每日9:00至23:00）。",
        ],
    ),
]
PDF_FONT = "STSong-Light"


def write_member_pdf(path: Path) -> None:
    """Write the membership PDF with reportlab's built-in CID font.

    STSong-Light is one of the Adobe Asian fonts that PDF viewers supply
    themselves, so nothing is embedded and the file stays tiny, while the
    text layer maps back to Unicode through the UniGB-UCS2-H encoding.
    """
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    title_style = ParagraphStyle("title", fontName=PDF_FONT, fontSize=20, leading=28, alignment=TA_CENTER)
    subtitle_style = ParagraphStyle(
        "subtitle", fontName=PDF_FONT, fontSize=10.5, leading=16, alignment=TA_CENTER
    )
    heading_style = ParagraphStyle("heading", fontName=PDF_FONT, fontSize=14, leading=22, spaceBefore=10)
    body_style = ParagraphStyle(
        "body",
        fontName=PDF_FONT,
        fontSize=11,
        leading=19,
        wordWrap="CJK",
        spaceAfter=4,
    )

    story = [
        Paragraph(MEMBER_TITLE, title_style),
        Paragraph(MEMBER_SUBTITLE, subtitle_style),
        Spacer(1, 6 * mm),
        Paragraph(MEMBER_INTRO, body_style),
    ]
    for heading, paragraphs in MEMBER_SECTIONS:
        story.append(Paragraph(heading, heading_style))
        story.extend(Paragraph(text, body_style) for text in paragraphs)

    doc = SimpleDocTemplate(
        str(path),
        pagesize=A4,
        leftMargin=25 * mm,
        rightMargin=25 * mm,
        topMargin=25 * mm,
        bottomMargin=25 * mm,
        title=MEMBER_TITLE,
        author=AUTHOR,
        subject="会员等级、积分规则与专属权益",
        creator="tools/make_sample_data.py",
        invariant=1,
    )
    doc.build(story)


def verify_member_pdf(path: Path) -> None:
    """Fail unless pypdf extracts the Chinese text layer of the PDF."""
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    text = "".join(page.extract_text() or "" for page in reader.pages)
    compact = "".join(text.split())
    expected = [MEMBER_TITLE, "满3000元升级为金卡会员", "100积分可抵扣1元", "提前7天"]
    missing = [phrase for phrase in expected if phrase not in compact]
    if missing:
        raise SystemExit(f"{path.name}: text layer lacks {missing!r}")


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def normalize_zip(path: Path) -> None:
    """Rewrite a ZIP container with fixed entry timestamps for stable bytes.

    openpyxl stamps ``dcterms:modified`` with the current time on save, so
    that element of ``docProps/core.xml`` is pinned here as well.
    """
    with zipfile.ZipFile(path) as src:
        entries = [(info.filename, src.read(info)) for info in src.infolist()]
    entries = [
        (
            name,
            CORE_MODIFIED_RE.sub(rb"\g<1>" + CORE_TIMESTAMP, data) if name == "docProps/core.xml" else data,
        )
        for name, data in entries
    ]
    with zipfile.ZipFile(path, "w") as dst:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, data)


def main() -> int:
    KB_DIR.mkdir(parents=True, exist_ok=True)

    write_legacy_text(KB_DIR / "客服话术.txt", render_reply_scripts(), "gbk")
    write_legacy_text(KB_DIR / "門市服務須知.txt", STORE_NOTICE, "big5")
    write_faq_xlsx(KB_DIR / "常见问题.xlsx")
    write_install_docx(KB_DIR / "安装说明.docx")
    pdf_path = KB_DIR / "会员权益.pdf"
    write_member_pdf(pdf_path)
    verify_member_pdf(pdf_path)

    for name in (
        "客服话术.txt",
        "門市服務須知.txt",
        "常见问题.xlsx",
        "安装说明.docx",
        "会员权益.pdf",
    ):
        print(f"wrote {KB_DIR / name} ({(KB_DIR / name).stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
