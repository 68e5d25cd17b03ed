"""Name data for the demo city: Nantong's county-level regions and towns, and name parts for the rest.

The codes and names are real-ish (GB/T 2260 style) but the demo is synthetic: three development
zones are invented, and every code below the county level follows a simple scheme (towns 100+,
villages 201+, grids 001+) rather than the real division codes.
"""

from __future__ import annotations

from dataclasses import dataclass

CITY_CODE = "320600000000"
CITY_NAME = "南通市"


@dataclass(frozen=True)
class CountyInfo:
    code6: str
    name: str
    towns: tuple[str, ...]
    dedicated_weight: float = 1.0  # development zones host more schools, parks and plants per grid


COUNTIES: tuple[CountyInfo, ...] = (
    CountyInfo(
        "320685",
        "海安市",
        ("海安街道", "城东镇", "曲塘镇", "李堡镇", "角斜镇", "大公镇", "雅周镇", "白甸镇", "南莫镇", "墩头镇"),
    ),
    CountyInfo(
        "320682",
        "如皋市",
        (
            "如城街道",
            "城北街道",
            "城南街道",
            "东陈镇",
            "丁堰镇",
            "白蒲镇",
            "下原镇",
            "九华镇",
            "石庄镇",
            "长江镇",
            "吴窑镇",
            "江安镇",
            "搬经镇",
            "磨头镇",
        ),
    ),
    CountyInfo(
        "320623",
        "如东县",
        (
            "掘港街道",
            "城中街道",
            "大豫镇",
            "曹埠镇",
            "岔河镇",
            "双甸镇",
            "新店镇",
            "河口镇",
            "袁庄镇",
            "马塘镇",
            "丰利镇",
            "栟茶镇",
        ),
    ),
    CountyInfo(
        "320612",
        "通州区",
        (
            "金沙街道",
            "兴东街道",
            "先锋街道",
            "西亭镇",
            "二甲镇",
            "东社镇",
            "三余镇",
            "十总镇",
            "骑岸镇",
            "五接镇",
            "川姜镇",
            "刘桥镇",
            "平潮镇",
            "石港镇",
        ),
    ),
    CountyInfo(
        "320602",
        "崇川区",
        (
            "城东街道",
            "和平桥街道",
            "任港街道",
            "新城桥街道",
            "虹桥街道",
            "学田街道",
            "钟秀街道",
            "文峰街道",
            "观音山街道",
            "狼山镇街道",
            "幸福街道",
            "陈桥街道",
            "秦灶街道",
            "永兴街道",
            "唐闸镇街道",
        ),
    ),
    CountyInfo("320671", "南通经济技术开发区", ("竹行街道", "小海街道", "中兴街道"), dedicated_weight=2.5),
    CountyInfo(
        "320614",
        "海门区",
        (
            "海门街道",
            "三厂街道",
            "滨江街道",
            "三星镇",
            "常乐镇",
            "悦来镇",
            "四甲镇",
            "余东镇",
            "正余镇",
            "包场镇",
            "临江镇",
            "海永镇",
        ),
    ),
    CountyInfo("320691", "苏锡通科技产业园区", ("江海街道", "东港街道"), dedicated_weight=2.5),
    CountyInfo("320692", "通州湾江海联动开发示范区", ("通州湾街道", "海晏镇"), dedicated_weight=2.5),
    CountyInfo(
        "320681",
        "启东市",
        (
            "汇龙镇",
            "南阳镇",
            "北新镇",
            "王鲍镇",
            "合作镇",
            "海复镇",
            "近海镇",
            "寅阳镇",
            "惠萍镇",
            "东海镇",
            "吕四港镇",
            "启隆镇",
        ),
    ),
)

# Village names are drawn as FIRST + SECOND (+ 村 or 社区); a counter breaks ties within a town.
VILLAGE_FIRST = (
    "永",
    "新",
    "长",
    "东",
    "西",
    "南",
    "北",
    "中",
    "兴",
    "福",
    "安",
    "和",
    "同",
    "保",
    "太",
    "联",
    "光",
    "丰",
    "红",
    "建",
    "团",
    "胜",
    "利",
    "群",
    "友",
    "金",
    "银",
    "海",
    "江",
    "港",
)
VILLAGE_SECOND = (
    "安",
    "丰",
    "兴",
    "河",
    "港",
    "桥",
    "庄",
    "湾",
    "圩",
    "灶",
    "垦",
    "渔",
    "民",
    "星",
    "南",
    "北",
    "园",
    "林",
    "乐",
    "平",
    "盛",
    "阳",
    "华",
    "富",
    "余",
    "坝",
    "沙",
    "墩",
    "堡",
    "甸",
)

# Dedicated grids (专属网格) cover one institution each.
DEDICATED_KINDS = (
    "小学",
    "初级中学",
    "中心幼儿园",
    "人民医院",
    "卫生院",
    "工业园",
    "物流园",
    "化工园区",
    "商贸城",
    "车站",
)

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红兰建国文志斌海燕波宁鹏辉晶晨俊瑶"


def is_subdistrict(town_name: str) -> bool:
    """街道 (urban sub-districts) hold 社区 (communities); 镇 hold 村 (villages)."""
    return town_name.endswith("街道")
