"""seed the default category taxonomy (DESIGN.md §3)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 22:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (code, zh, en, default severity, sensitive, children [(code, zh, en, severity, sensitive)])
TAXONOMY = [
    (
        "dispute",
        "矛盾纠纷",
        "Disputes",
        1,
        False,
        [
            ("neighbour", "邻里纠纷", "Neighbour dispute", 1, False),
            ("family", "婚姻家庭纠纷", "Marriage and family dispute", 1, False),
            ("land", "山林土地纠纷", "Land and forest dispute", 2, False),
            ("homestead", "房屋宅基地纠纷", "House and homestead dispute", 2, False),
            ("wages", "拖欠农民工工资", "Unpaid migrant wages", 2, False),
            ("demolition", "征地拆迁纠纷", "Land requisition and demolition dispute", 2, False),
            ("property", "物业纠纷", "Property management dispute", 1, False),
        ],
    ),
    (
        "safety",
        "安全隐患",
        "Safety hazards",
        2,
        False,
        [
            ("fire", "消防隐患", "Fire hazard", 2, False),
            ("gas", "燃气隐患", "Gas hazard", 3, False),
            ("building", "房屋安全", "Unsafe building", 2, False),
            ("flood", "防汛隐患", "Flood hazard", 2, False),
            ("traffic", "交通安全", "Traffic safety", 2, False),
            ("electricity", "用电安全", "Electrical hazard", 2, False),
        ],
    ),
    (
        "order",
        "社会治安",
        "Public order",
        1,
        False,
        [
            ("gambling", "赌博", "Gambling", 2, False),
            ("gathering", "群体性聚集", "Mass gathering", 3, False),
            ("theft", "盗窃", "Theft", 1, False),
        ],
    ),
    (
        "special",
        "特殊人群",
        "Special populations",
        1,
        False,
        [
            ("mental_health", "严重精神障碍患者", "Person with severe mental disorder", 2, True),
            ("released", "刑满释放人员", "Released prisoner", 1, False),
            ("correction", "社区矫正对象", "Community correction", 1, False),
            ("drug", "吸毒人员", "Drug user", 2, True),
            ("left_behind", "留守老人儿童", "Left-behind elderly or children", 1, False),
        ],
    ),
    (
        "fraud",
        "诈骗",
        "Fraud",
        2,
        False,
        [
            ("telecom", "电信网络诈骗", "Telecom and online fraud", 2, False),
            ("elderly", "养老诈骗", "Fraud against the elderly", 2, False),
        ],
    ),
    (
        "trafficking",
        "拐卖妇女儿童",
        "Trafficking of women and children",
        3,
        True,
        [
            ("women", "拐卖妇女", "Trafficked woman", 3, True),
            ("children", "拐卖儿童", "Trafficked child", 3, True),
        ],
    ),
    (
        "environment",
        "生态环境",
        "Environment",
        1,
        False,
        [
            ("garbage", "暴露垃圾", "Exposed garbage", 1, False),
            ("water", "水体污染", "Water pollution", 2, False),
            ("burning", "焚烧秸秆垃圾", "Open burning", 1, False),
            ("noise", "噪声扰民", "Noise nuisance", 1, False),
        ],
    ),
    (
        "infrastructure",
        "基础设施",
        "Infrastructure",
        1,
        False,
        [
            ("road", "道路破损", "Damaged road", 1, False),
            ("water_supply", "供水设施", "Water supply", 1, False),
            ("streetlight", "路灯损坏", "Broken streetlight", 1, False),
            ("manhole", "井盖缺失", "Missing manhole cover", 2, False),
        ],
    ),
    (
        "livelihood",
        "民生服务",
        "Livelihood",
        1,
        False,
        [
            ("assistance", "困难救助", "Hardship assistance", 1, False),
            ("elderly_care", "养老服务", "Elderly care", 1, False),
            ("medical", "医疗卫生", "Medical and health", 1, False),
        ],
    ),
]


def _rows() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for order, (code, zh, en, severity, sensitive, children) in enumerate(TAXONOMY):
        rows.append(
            dict(
                code=code,
                parent_code=None,
                name_zh=zh,
                name_en=en,
                default_severity=severity,
                sensitive=sensitive,
                sort_order=order,
                active=True,
            )
        )
        leaves = [*children, ("other", f"其他{zh}", f"Other {en.lower()}", severity, sensitive)]
        for child_order, (leaf, leaf_zh, leaf_en, leaf_severity, leaf_sensitive) in enumerate(leaves):
            rows.append(
                dict(
                    code=f"{code}.{leaf}",
                    parent_code=code,
                    name_zh=leaf_zh,
                    name_en=leaf_en,
                    default_severity=leaf_severity,
                    sensitive=leaf_sensitive,
                    sort_order=child_order,
                    active=True,
                )
            )
    return rows


category = sa.table(
    "category",
    sa.column("code", sa.String),
    sa.column("parent_code", sa.String),
    sa.column("name_zh", sa.String),
    sa.column("name_en", sa.String),
    sa.column("default_severity", sa.Integer),
    sa.column("sensitive", sa.Boolean),
    sa.column("sort_order", sa.Integer),
    sa.column("active", sa.Boolean),
)


def upgrade() -> None:
    op.bulk_insert(category, _rows())


def downgrade() -> None:
    op.execute(category.delete().where(category.c.parent_code.is_not(None)))
    op.execute(category.delete())
