"""Wire shape of the category tree."""

from __future__ import annotations

from pydantic import BaseModel


class CategoryNode(BaseModel):
    code: str
    name_zh: str
    name_en: str
    default_severity: int
    sensitive: bool
    children: list[CategoryNode] = []
