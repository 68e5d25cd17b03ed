"""Wire shapes for attachments."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Self

from pydantic import Field, model_validator

from app.core.schemas import Schema
from app.models import Attachment, MediaBlob

API = "/api/v1"


class AttachmentRole(StrEnum):
    REPORT = "report"  # what the submitter saw
    RESULT = "result"  # the fix, with resolve
    VERIFY = "verify"  # the check on the ground, with verify_pass / verify_fail


class EvidenceRead(Schema):
    """What the photo's EXIF says: when it was taken and where (WGS-84, as GPS records it)."""

    taken_at: datetime | None
    lat: float | None
    lon: float | None
    crs: str = "wgs84"


class AttachmentRead(Schema):
    id: str
    report_id: str
    sha256: str
    content_type: str
    size: int
    width: int
    height: int
    role: AttachmentRole
    client_id: str | None
    filename: str | None
    evidence: EvidenceRead | None
    url: str
    thumbnail_url: str
    created_at: datetime

    @classmethod
    def of(cls, attachment: Attachment, blob: MediaBlob) -> AttachmentRead:
        has_evidence = blob.taken_at is not None or blob.lat is not None
        url = f"{API}/attachments/{attachment.id}"
        return cls(
            id=str(attachment.id),
            report_id=str(attachment.report_id),
            sha256=blob.sha256,
            content_type=blob.served_type,
            size=blob.size,
            width=blob.width,
            height=blob.height,
            role=AttachmentRole(attachment.role),
            client_id=attachment.client_id,
            filename=attachment.filename,
            evidence=EvidenceRead(taken_at=blob.taken_at, lat=blob.lat, lon=blob.lon) if has_evidence else None,
            url=url,
            thumbnail_url=f"{url}/thumbnail",
            created_at=attachment.created_at,
        )


class AttachmentSummary(Schema):
    """How many report photos were declared, how many arrived, how many are still to come.

    `expected` is None until the submitter declares it (then `missing` is 0). When client ids were
    declared, `missing_client_ids` names the ones not received yet."""

    expected: int | None
    received: int
    missing: int
    missing_client_ids: list[str] = Field(default_factory=list)


class AttachmentList(AttachmentSummary):
    items: list[AttachmentRead]


class ExpectedAttachments(Schema):
    """PUT body: a count, or the client ids of the photos still to be sent (or both, agreeing)."""

    count: int | None = Field(default=None, ge=0, le=100)
    client_ids: list[str] | None = Field(default=None, max_length=100)

    @model_validator(mode="after")
    def _agree(self) -> Self:
        if self.client_ids is not None:
            if any(not c or len(c) > 255 for c in self.client_ids):
                raise ValueError("client_ids must be 1 to 255 characters each")
            if len(set(self.client_ids)) != len(self.client_ids):
                raise ValueError("client_ids must be distinct")
            if self.count is not None and self.count != len(self.client_ids):
                raise ValueError("count must equal the number of client_ids")
        elif self.count is None:
            raise ValueError("give count or client_ids")
        return self

    @property
    def total(self) -> int:
        return len(self.client_ids) if self.client_ids is not None else int(self.count or 0)
