"""The baseline for bench/intake.py: the same body validation as POST /api/v1/reports, and nothing else.

One `POST /bare` endpoint that takes `ReportCreate` (imported from the app, so validation is
identical), checks that a bearer Authorization header is present (no decoding, no database) and
answers 201 with a small JSON. For bench/actions.py, `POST /bare/reports/{report_id}/actions` does
the same with `ActionIn` (the real action route's body model and path shape) and answers 200 with
the next version, so a client can drive a case through the workflow against it. Serve it with
uvicorn exactly like the real app:

    .venv/bin/python -m uvicorn bench.bare_app:app --host 127.0.0.1 --port 8001 --no-access-log
"""

from __future__ import annotations

from typing import Annotated

from fastapi import FastAPI, Header, HTTPException, status

from app.reports.schemas import ActionIn, ReportCreate


def create_bare_app() -> FastAPI:
    bare = FastAPI(title="GridPatrol bare intake baseline", docs_url=None, redoc_url=None, openapi_url=None)

    @bare.post("/bare", status_code=status.HTTP_201_CREATED)
    async def bare_intake(data: ReportCreate, authorization: Annotated[str | None, Header()] = None) -> dict[str, str]:
        if authorization is None or not authorization[:7].lower() == "bearer ":
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "a bearer access token is required")
        return {"client_id": data.client_id, "status": "reported"}

    @bare.post("/bare/reports/{report_id}/actions")
    async def bare_action(
        report_id: str, cmd: ActionIn, authorization: Annotated[str | None, Header()] = None
    ) -> dict[str, str | int]:
        if authorization is None or not authorization[:7].lower() == "bearer ":
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "a bearer access token is required")
        return {"id": report_id, "action": cmd.action.value, "version": (cmd.version or 0) + 1}

    @bare.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return bare


app = create_bare_app()
