"""Tips of the summer fire-prevention campaign (夏季消防安全提醒): seeded once, then edited.

Each tip names the facts it rests on (ids in the shared policy-fact sheet) and their
reliability: [A] law or official text, stated as rules with their fines; [C]/[D] media or
publicity advice, stated only as advice, without figures the sheet marks unconfirmed.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tip:
    slug: str
    title: str
    body: str
    source: str


TIPS: tuple[Tip, ...] = (
    Tip(
        "ebike-parking",
        "电动自行车不进楼道、不进家门",
        "电动自行车和电池不要停放在楼道、门厅、楼梯间和疏散通道，也不要推进家里停放、充电。"
        "这是《上海市非机动车安全管理条例》第二十九条的规定。电动自行车起火后浓烟蔓延很快，"
        "楼道是大家逃生的路，请停到小区集中停放点。",
        "B02 [A]; B18 [C]",
    ),
    Tip(
        "no-flying-wire",
        "不要“飞线充电”",
        "从楼上窗口、家里私拉电线和插座给电动自行车充电（飞线充电）是违法的，"
        "城管执法部门可处50元以上200元以下罚款。请使用小区的集中充电桩、充电柜。",
        "B03 [A]; B06 [A]",
    ),
    Tip(
        "no-lift",
        "电动自行车和电池不进电梯",
        "不要把电动自行车或电池带进电梯轿厢，违者可处200元以上500元以下罚款。"
        "电池在狭小的电梯里起火，人无处可逃。",
        "B04 [A]",
    ),
    Tip(
        "safe-charging",
        "电动自行车安全充电",
        "用原装、合格的充电器；充电前看看电池和插口；避免彻夜充电，充满及时断电；"
        "不要私自改装车辆、不要换超标的大容量电池。",
        "B19 [D] advice; 改装 B19 [A]",
    ),
    Tip(
        "sockets",
        "空调插座别超负荷",
        "夏天空调、冰箱、风扇一直开着，电线容易过热。不要几个大功率电器共用一个插线板；"
        "电线、插座发烫或老化请及时更换；出门前关掉不用的电器。",
        "B20 [D] advice",
    ),
    Tip(
        "mosquito-coils",
        "蚊香要放稳、远离易燃物",
        "点蚊香请放在金属支架上，远离蚊帐、衣物、纸张和床单；人离开或睡前想一想是否安全。"
        "电蚊香器不要长时间通电。",
        "B20 [D] advice",
    ),
    Tip(
        "gas",
        "用火用气，人不离开",
        "做饭时人不要离开灶台，用完关好燃气阀门。油锅起火用锅盖盖灭，千万不要泼水。"
        "闻到燃气味：先关阀门、开窗通风，不要开关电器、不要用明火，到室外再打电话报修。"
        "出租房里不要违规使用液化气钢瓶。",
        "B22 [D] advice; B12 [A] (液化气钢瓶); general gas-safety advice",
    ),
    Tip(
        "escape-routes",
        "楼道、安全出口保持畅通",
        "疏散通道、安全出口和消防车通道不能占用、堵塞或封闭。"
        "这是《消防法》第二十八条的规定，违者个人可被警告或处500元以下罚款。"
        "楼道、楼梯间是大家逃生的路，请不要在里面堆放纸箱、旧家具等杂物。",
        "B16 [A]; B05 [A] (消防法: 疏散通道, 安全出口, 消防车通道; 楼道 is 共用部位)",
    ),
    Tip(
        "smoke-alarm",
        "家里装一个烟感报警器",
        "本市鼓励居民在家里安装独立式火灾探测报警器（烟感），起火时能第一时间提醒。"
        "家里可以备一个灭火器和一条灭火毯。有需要可以问问居委会。",
        "B10 [A]; B24 [D] advice",
    ),
    Tip(
        "extinguisher",
        "灭火器这样用：拔、握、瞄、扫",
        "拔掉保险销，握住喷管和压把，瞄准火焰根部，左右扫射；人站在上风处。电器起火先断电再灭火。",
        "B22 [D] advice",
    ),
    Tip(
        "elderly-alone",
        "多看看独居老人",
        "天热时请多关心楼里独居、行动不便的老人：帮忙看看电线插座、蚊香、燃气是否安全，"
        "楼道和家里有没有堆物。发现隐患请告诉居委会，居委会会登记并上门提醒。",
        "B09 [A]; B21 [A]; B27 [A-derived]",
    ),
    Tip(
        "heat",
        "高温天，电池更要当心",
        "高温天里电池容易鼓包。电动自行车不要在烈日下暴晒后马上充电；"
        "发现电池鼓包、发烫、有异味，请立即停止使用和充电。",
        "B20 [D] advice",
    ),
    Tip(
        "call-119",
        "发现火情，立即拨打119",
        "发现火灾要立即报警，这是法律规定，严禁谎报火警。打119时说清：详细地址（路、小区、楼号、门牌），"
        "什么东西着火、火有多大，有没有人被困，您的姓名和电话；报警后派人到路口接消防车。",
        "B16 [A]; B23 [D] advice",
    ),
    Tip(
        "escape",
        "火场逃生要点",
        "不要贪恋财物；用湿毛巾捂住口鼻，弯腰低姿沿墙撤离；门把手烫手说明门外有火，"
        "不要开门，用湿布堵住门缝，到窗边呼救等待救援；身上着火就地打滚。",
        "B25 [D] advice",
    ),
)
