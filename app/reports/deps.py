"""Dependencies of the reports routers: the context an action is applied in."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.core.deps import ClockDep, SettingsDep
from app.reports.actions import ActionContext


def get_action_context(request: Request, clock: ClockDep, settings: SettingsDep) -> ActionContext:
    state = request.app.state
    return ActionContext(now=clock.now(), policies=state.policies, listeners=state.listeners, tz=settings.timezone)


ActionContextDep = Annotated[ActionContext, Depends(get_action_context)]
