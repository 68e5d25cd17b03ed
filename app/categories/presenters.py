"""Category rows -> the tree answered by GET /categories."""

from __future__ import annotations

from collections.abc import Sequence

from app.categories.schemas import CategoryNode
from app.models import Category


def category_tree(categories: Sequence[Category]) -> list[CategoryNode]:
    """Every active category (sensitive ones too: anyone may report them; only cleared users see the reports)."""
    nodes = {
        c.code: CategoryNode(
            code=c.code,
            name_zh=c.name_zh,
            name_en=c.name_en,
            default_severity=c.default_severity,
            sensitive=c.sensitive,
        )
        for c in categories
    }
    roots: list[CategoryNode] = []
    for c in categories:
        node = nodes.get(c.code)
        if node is None:
            continue
        parent = nodes.get(c.parent_code) if c.parent_code else None
        (parent.children if parent else roots).append(node)
    return roots
