"""Wire shape of the category tree."""

from __future__ import annotations

from pydantic import Field

from app.core.schemas import Schema


class CategoryNode(Schema):
    code: str
    name_zh: str
    name_en: str
    default_severity: int
    sensitive: bool
    children: list[CategoryNode] = Field(default_factory=list)
