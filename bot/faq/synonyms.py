"""Vocabulary for FAQ search: synonym groups, phrase rewrites, domain words, stop words and
traditional characters.

Residents ask the same thing in many ways (加梯, 装个电梯, 政府给多少钱, 底楼, 维修基金 …).
Every member of a group is rewritten to the group's first word, in questions and in entries alike,
so one canonical term carries the match. Keep members at least two characters long: single
characters occur inside too many unrelated words.

The tables are plain text, one group or rewrite per line, so staff can read and extend them.
"""

from __future__ import annotations


def _rows(text: str) -> list[list[str]]:
    """Whitespace-separated words per line; ``#`` starts a comment. A line indented deeper
    than the first line continues the row above it, so a long group can wrap."""
    rows: list[list[str]] = []
    base: int | None = None
    for line in text.splitlines():
        words = line.partition("#")[0].split()
        if not words:
            continue
        indent = len(line) - len(line.lstrip())
        if base is None:
            base = indent
        if indent > base and rows:
            rows[-1].extend(words)
        else:
            rows.append(words)
    return rows


SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = tuple(
    tuple(row)
    for row in _rows(
        """
        # the project itself
        加装电梯 加梯 装电梯 加电梯 装梯 安装电梯 增设电梯 加建电梯 装个电梯 装部电梯 装一部电梯
            装一台电梯 装台电梯 电梯加装 加装 弄电梯 搞电梯 弄部电梯 搞个电梯 造电梯
            装了电梯 装好电梯 装上电梯 加了电梯
        多层住宅 老房子 老公房 老楼 旧楼 老小区 没电梯的楼 无电梯 老旧住宅 老旧小区 旧住宅
        # money
        补贴 补助 资助 奖补 政府补贴 财政补贴 政府出钱 政府给钱 国家给钱 国家出钱
        住房公积金 公积金
        专项维修资金 维修基金 维修资金 大修基金 大修资金 专项维修基金 房屋维修资金 维修专项资金
            住宅维修资金
        造价 价格 价钿 总价 成本 贵不贵
        分摊 分担 承担 平摊 摊钱 均摊 怎么摊 摊多少 怎么出钱 出资比例 分摊比例 各出多少 各家出多少
            每户出多少 出钱 掏钱 付钱 出资 出多少钱 要出多少 出多少 摊多少钱 多出钱 多出多少
        补偿 赔偿 赔钱 给点钱 好处费 经济补偿
        困难 困难户 低保 没钱 出不起 拿不出 付不起 经济困难 钱不够 交不出 付不出 条件差 手头紧
        贷款 房贷 还贷 按揭
        提取 取出来 拿出来 支取 提出来 取钱 提钱
        拨付 到账 打到账上 打款 发下来
        运行费用 运行费 运营费 日常费用 养护费 维保费 电梯电费
        # "I don't need it, why pay": the ground floor's objection
        用不到 用不着 用勿着 不坐电梯 用不上 不需要电梯
        为什么 为啥 凭什么 凭啥
        # people and bodies
        一楼 底楼 底层 一层 首层 1楼 低楼层 低层 楼底下
        # "which floor do I pay for": the upper floors, as residents name them
        高楼层 顶楼 顶层 四楼 4楼 五楼 5楼 六楼 6楼 七楼 7楼
        # the scope of a vote: one entrance, or the buildings around it
        门洞 单元 门栋 楼洞
        别的楼 隔壁楼 对面那栋楼 对面的楼 对面楼 旁边的楼 其他楼 别的楼栋 隔壁那幢 旁边几幢
        业主 住户 户主 房主 产权人 小业主
        租客 租户 房客 租房子的人 租房的人 租房子的 租房子
        居委会 居委 居民委员会
        街道 街道办 街道办事处 街镇
        房管局 区房管局 房管所 房地办 房管部门 住房保障房屋管理局 房管办
        业委会 业主委员会
        物业 物业公司 物业管理
        公房 直管公房 售后公房 租的公房 租公房 承租人 公房租户
        子女 儿子 女儿 小孩 孩子
        父母 爸妈 爸爸妈妈 老爸老妈 爹妈 爷娘 阿爸姆妈
        配偶 老公 老婆 爱人 丈夫 妻子 另一半
        老人 老年人 老人家 老太太 老头子 老太 老爷叔 爷爷奶奶
        促进中心 加梯中心 帮侬 加装电梯促进中心
        电动自行车 电瓶车 电动车 助动车
        # voting
        同意 赞成 点头 支持
        反对 不同意 不肯 不愿意 不答应 阻挠 阻拦 拦着 不让装 一票否决 不配合 不签字 作梗
        表决 投票 举手 票数
        意愿征询 意见征询 征求意见 征询意见 问问大家 摸底
        比例 百分比 几成 多少比例
        三分之二 2/3 三分之二以上
        四分之三 3/4 75%
        百分之九十 90% 九成
        # process
        流程 程序 步骤 手续 怎么弄 怎么操作 哪几步
        # where to begin: residents rarely say 第一步
        第一步 头一步 怎么开始 从哪里开始 从哪开始 哪里开始 先做什么 先干什么 如何开始
        材料 资料 证件 证明材料 准备什么东西 带什么东西 要带啥 哪些东西 什么东西 带啥
            带点啥 带点什么
        协议 合同 协议书
        方案 设计方案 图纸 设计图
        公示 公告 贴出来
        审批 批准 批文 报批 许可 审查 批下来
        施工 开工 动工 工地
        验收 竣工 完工 造好
        使用登记 登记证 特种设备登记 使用证
        多久 多长时间 几个月 多少时间 周期 工期 啥辰光 多少天 要多长 多少辰光 几辰光
        一网通办 网上办 网上申请 线上办理 网上办理 手机上办 网上审批 网上 线上
        条件 能不能装 可不可以装 符合条件 够不够条件 资格 够条件
        结构安全 房屋结构 承重 地基 安全评估 结构评估
        管线 水管 煤气管 管道 下水道 管线搬迁 自来水管
        # neighbours' concerns
        采光 挡光 光线 遮光 挡住阳光 晒不到太阳 日照 阳光 挡太阳 变暗 遮挡 挡住 挡掉 光挡掉 暗掉
            挡牢
        噪音 噪声 吵闹 很吵 太吵 响声 嗡嗡 声音
        通风 透气 不通风 闷气
        出入 进出 通道 挡路 出门 走路 进门
        隐私 偷看 看到家里 窗户对着 对着窗户 看进来
        房价 房子价格 贬值 卖不出 房价跌 房子不值钱
        矛盾 纠纷 争议 吵架 吵起来 闹矛盾 闹翻 扯皮 闹僵 闹得很僵 吵翻 不可开交 吵相骂 相骂
        调解 协调 调停 劝和 做工作 摆平
        诉讼 起诉 打官司 告到法院 法院 告他
        撤销 推翻 作废 无效 反悔 翻悔 变卦
        # running the elevator
        维保 维护保养 维修保养 保养 日常维护
        使用管理单位 谁来管 管理单位 谁负责管
        年检 年度检验 定期检验 检验 检测 安检 检查
        保险 投保 保险费 保单 意外险
        故障 坏了 坏掉 出毛病 不动了 关人 困人 困在里面 停运 被困 困住 关在里面 坏脱 坏忒
        # asking for help
        咨询 问谁 找谁 找哪个部门 哪里问 求助 问问 打听
        # fire safety
        火灾 着火 起火 失火 烧起来 火警 走火 烧了 烧掉 火烧
        报警 报火警 打火警
        楼道 楼梯间 楼梯口 楼梯 门厅 过道 走廊 楼梯拐角 楼道里
        电池 蓄电池 电瓶 锂电池
        整夜 一夜 一晚上 通宵 彻夜 一整夜
        烟感 烟雾报警器 烟感报警器 火灾探测报警器 烟雾探测器
        堆物 杂物 堆放 堆满 堆东西 纸板箱 纸箱 旧家具
        独居 一个人住 独自居住 孤寡 空巢
        群租 群租房 隔断房 二房东
        劝阻 劝了不听 说了不听 不听劝 制止 说了也不听 讲了也不听 讲了不听 劝不听 劝也不听
        处罚 罚款 罚钱 吃官司 坐牢 判刑 拘留
        过失 不小心 不当心 失手
        灭火 扑灭 灭掉
        逃生 逃跑 跑出来 逃出去 疏散 往上逃 往下逃 往楼上逃 往楼下逃 楼上逃 楼下逃
            往上跑 往下跑 往楼上跑 往楼下跑
        浓烟 烟雾 毒烟
        消防通道 消防车通道 生命通道 疏散通道 逃生通道
        堵塞 堵住 堵牢 堵死 堵着
        漏气 燃气泄漏 煤气泄漏 天然气泄漏 燃气漏气 煤气漏气 燃气味 煤气味 天然气味 燃气味道
            煤气味道 天然气味道
        燃气 煤气 天然气 液化气 管道煤气 管道燃气
        烟花爆竹 烟花 鞭炮 爆竹 炮仗 放炮 放鞭炮 焰火 百子炮 高升
        过期 到期 超期 保质期 有效期 失效 报废
        电线 线路 电路 老化电线 电线老化 电线线路
        充电桩 充电柜 充电点 充电站 集中充电 充电设施 充电棚
        """
    )
)

# Colloquial phrases rewritten to plain wording, possibly several words. Applied before the
# groups, so a rewrite's output is canonicalised too (出铜钿 -> 出钱 -> 分摊).
PHRASE_REWRITES: dict[str, str] = {
    phrase: replacement
    for phrase, replacement in _rows(
        """
        政府给多少钱 补贴多少钱
        政府给多少 补贴多少
        政府补多少 补贴多少
        政府出多少 补贴多少
        国家给多少 补贴多少
        补多少 补贴多少
        贴多少 补贴多少
        补几成 补贴多少
        能补 补贴
        打119 报警119
        怎么灭 怎么灭火
        怎么跑 怎么逃生
        四成 40%
        # cost of the whole elevator, not anyone's share or the subsidy
        要多少钱 造价
        要花多少 造价
        花多少钱 造价
        # Shanghainese
        阿拉 我们
        啥人 谁
        啥地方 哪里
        事体 事情
        一家头 一个人
        关牢 困住
        乘电梯 坐电梯
        哪能办 怎么办
        哪能弄 怎么办
        哪能 怎么
        几钿 多少钱
        铜钿 钱
        钞票 钱
        屋里厢 家里
        屋里 家里
        老早 以前
        勿晓得 不知道
        覅 不要
        勿 不
        """
    )
}

# Added to the segmenter's dictionary so these stay whole words.
DOMAIN_WORDS: tuple[str, ...] = tuple(
    word
    for row in _rows(
        """
        专项维修资金 住房公积金 意愿征询 使用登记 使用管理单位 多层住宅 民法典 城市更新条例
        双三分之二 双四分之三 结构安全 运行费用 费用分摊 审价 备案 维保 年检 一网通办
        居委会 业委会 房管局 促进中心 公房 相邻关系 美丽楼道 电梯轿厢 电动自行车 户数举例
        """
    )
    for word in row
)

# Particles, pronouns, generic verbs and Shanghainese fillers that say nothing about the topic.
STOPWORDS: frozenset[str] = frozenset(
    word
    for row in _rows(
        """
        的 了 吗 呢 吧 啊 呀 哦 嘛 哈 咯 么 啦 嗯 哎 唉 额 噢 伐 个 之 和 与 及 或 跟 把 被 让 给 在
        是 有 也 都 就 还 又 再 才 很 太 蛮 老 交关 这 那 这个 那个 这些 那些 这样 那样 这种
        我 我们 我家 我们家 你 你们 您 他 她 他们 她们 它 阿拉 侬 伊 伊拉 自己 大家 人家
        请问 想问 问下 问一下 一下 请教 麻烦 谢谢 您好 你好 好的 那么 然后 所以 因为 但是 不过
        不知道 不晓得 勿晓得 不清楚 搞不清楚
        就是 还是 到底 究竟 其实 现在 已经 一直 听说 据说 可能 应该 比较 一些 有点 有没有 是不是
        呐 哇 嘞 呗 哪 啥 什么 啥个 搿 格 辣 勒 晓得 知道 看看 说说 讲讲 告诉
        想 想要 要 需要 需不需要 去 来 能 不能 能不能 可以 可不可以 会 会不会 该 得 真的 真是
        怎么 怎么样 怎样 如何 咋 哪里 哪儿 哪个 哪些 里 里面 上 下 弄 搞 做 算 算数 一 下子
        讲 说 讲讲 说一下
        住 住在 我住 住的
        """
    )
    for word in row
)

# Traditional -> simplified for characters common in these questions; NFKC already folds
# full-width forms, and punctuation is dropped, so only characters remain to convert.
_TRADITIONAL = (
    "電裝補貼樓層維資費業積錢這麼們問請題辦續證書單門戶幾會協調議與應該關權條規區員園鄰"
    "聲風開發給說話過還進時間長現實設計劃審備檢驗險記錄據圍護養壞換樣為對從後裡裏嗎個來讓"
    "買賣價貴東親兒媽爺婦貸帳賬號碼網線營運動車燈燒滅災報煙陽歲傷難幫醫療機構質專項雜邊頭"
    "歡紛訴訟鬧擋隱礙無將準則產體參數總萬億筆擔攤減歸屬滿齊啟當語壓損務約簽屆標誌級舊處罰"
    "遠決選擇廳廣別極夠韋幹認識際麗齡氣徵願詢諮築於負責誰塊額優"
)
_SIMPLIFIED = (
    "电装补贴楼层维资费业积钱这么们问请题办续证书单门户几会协调议与应该关权条规区员园邻"
    "声风开发给说话过还进时间长现实设计划审备检验险记录据围护养坏换样为对从后里里吗个来让"
    "买卖价贵东亲儿妈爷妇贷帐账号码网线营运动车灯烧灭灾报烟阳岁伤难帮医疗机构质专项杂边头"
    "欢纷诉讼闹挡隐碍无将准则产体参数总万亿笔担摊减归属满齐启当语压损务约签届标志级旧处罚"
    "远决选择厅广别极够韦干认识际丽龄气征愿询咨筑于负责谁块额优"
)
TRADITIONAL_TO_SIMPLIFIED: dict[int, str] = {
    ord(t): s for t, s in zip(_TRADITIONAL, _SIMPLIFIED, strict=True) if t != s
}
