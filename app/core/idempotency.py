"""What makes a replay "the same": a hash of the request's canonical JSON (sorted keys, normalised values)."""

from __future__ import annotations

import hashlib

import orjson
from pydantic import BaseModel


def content_hash(data: BaseModel) -> str:
    """SHA-256 of the model as canonical JSON: equal for the same content however the client spelled it."""
    return hashlib.sha256(orjson.dumps(data.model_dump(mode="json"), option=orjson.OPT_SORT_KEYS)).hexdigest()
