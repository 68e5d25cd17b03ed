"""media.collect_orphans: delete stored files no blob row refers to, once nobody has used them for an hour.

Uploads never delete a content-addressed file when they fail (a concurrent upload of the same bytes
may be recording it), and a failed commit can leave files behind; this job is where they go.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from app.core.jobs import JobContext, JobRegistry
from app.media.storage import MediaStore
from app.models import MediaBlob

log = logging.getLogger(__name__)
KIND = "media.collect_orphans"
EVERY = timedelta(hours=6)
GRACE = timedelta(hours=1)
BATCH = 500


async def collect_orphans(ctx: JobContext, payload: dict[str, Any]) -> None:
    store = MediaStore(ctx.settings.resolved_media_dir())
    cutoff = (ctx.now - GRACE).timestamp()
    old = list(store.files_older_than(cutoff))
    known: set[str] = set()
    shas = sorted({sha for sha, _ in old if sha})
    for i in range(0, len(shas), BATCH):
        rows = await ctx.session.scalars(select(MediaBlob.sha256).where(MediaBlob.sha256.in_(shas[i : i + BATCH])))
        known.update(rows)
    removed = 0
    for sha, path in old:
        if sha in known:
            continue
        try:
            if path.stat().st_mtime >= cutoff:  # an upload reused it since it was listed
                continue
        except FileNotFoundError:
            continue
        path.unlink(missing_ok=True)
        removed += 1
    if removed:
        log.info("removed %d media files that no blob refers to", removed)


def register(registry: JobRegistry) -> None:
    registry.register(KIND, collect_orphans, every=EVERY)
