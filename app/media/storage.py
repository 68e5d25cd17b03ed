"""Content-addressed files under the media directory.

    <media_dir>/ab/cd/abcd…(64 hex)          the original upload, byte for byte (evidence)
    <media_dir>/ab/cd/abcd….served           re-encoded from pixels: what GET /attachments/{id} sends
    <media_dir>/ab/cd/abcd….thumb            ~320 px thumbnail
    <media_dir>/tmp/                          uploads being received; renamed into place or deleted

Every name is the SHA-256 of the original upload, so the same bytes are stored once whatever
reports use them. Files appear by rename (never half-written under their final name).
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol

CHUNK = 64 * 1024


class Kind(StrEnum):
    ORIGINAL = ""
    SERVED = ".served"
    THUMBNAIL = ".thumb"


class Readable(Protocol):
    async def read(self, size: int = -1) -> bytes: ...


class TooLarge(Exception):
    """The upload passed the size cap; nothing was kept."""


@dataclass(frozen=True)
class Spooled:
    """An upload received into a temporary file: its hash, size and first bytes."""

    path: Path
    sha256: str
    size: int
    head: bytes


class MediaStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str, kind: Kind = Kind.ORIGINAL) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / f"{sha256}{kind.value}"

    def exists(self, sha256: str, kind: Kind = Kind.ORIGINAL) -> bool:
        return self.path(sha256, kind).is_file()

    async def spool(self, source: Readable, max_bytes: int, head_bytes: int = 16) -> Spooled:
        """Copy `source` into a temporary file in chunks, hashing as it goes. Stops reading and
        deletes the file as soon as more than `max_bytes` arrived (raises TooLarge)."""
        tmp_dir = self.root / "tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        path = tmp_dir / uuid.uuid4().hex
        digest = hashlib.sha256()
        size = 0
        head = b""
        try:
            with path.open("wb") as out:
                while chunk := await source.read(CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise TooLarge
                    if len(head) < head_bytes:
                        head += chunk[: head_bytes - len(head)]
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return Spooled(path, digest.hexdigest(), size, head)

    def adopt(self, spooled: Spooled) -> bool:
        """Move a spooled upload to its content address. True when this call created the file."""
        target = self.path(spooled.sha256)
        if target.is_file():
            spooled.path.unlink(missing_ok=True)
            _touch(target)
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(spooled.path, target)
        return True

    def put(self, sha256: str, kind: Kind, data: bytes) -> bool:
        """Write a derived file for `sha256` unless it is there. True when this call created it."""
        target = self.path(sha256, kind)
        if target.is_file():
            _touch(target)
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.root / "tmp" / uuid.uuid4().hex
        tmp.parent.mkdir(parents=True, exist_ok=True)
        try:
            with tmp.open("wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return True

    def discard(self, spooled: Spooled) -> None:
        spooled.path.unlink(missing_ok=True)

    def files_older_than(self, cutoff: float) -> Iterator[tuple[str | None, Path]]:
        """(sha256, path) of every stored file last written or reused before `cutoff` (epoch seconds);
        sha256 is None for leftovers in tmp/."""
        if not self.root.is_dir():
            return
        for path in self.root.rglob("*"):
            if not path.is_file() or path.stat().st_mtime >= cutoff:
                continue
            yield (None if path.parent.name == "tmp" else path.name.split(".", 1)[0]), path


def _touch(path: Path) -> None:
    """Mark a stored file as just used, so the orphan collector leaves it alone for a while."""
    path.touch(exist_ok=True)
