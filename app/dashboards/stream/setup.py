"""The stream's hub for this app: Redis pub/sub when GRIDPATROL_REDIS_URL is set, else in-process."""

from __future__ import annotations

from app.core.config import Settings
from app.dashboards.stream import publisher
from app.dashboards.stream.hub import LocalHub
from app.dashboards.stream.redis_hub import RedisHub
from app.reports.effects import Listeners


def install(settings: Settings, listeners: Listeners) -> LocalHub:
    """Make the hub and register the after-commit publisher on the app's listeners."""
    hub: LocalHub = (
        RedisHub(settings.redis_url, settings.stream_queue_size)
        if settings.redis_url
        else LocalHub(settings.stream_queue_size)
    )
    publisher.register(listeners, hub)
    return hub
