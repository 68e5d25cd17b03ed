"""One settings object, read from the environment with the GRIDPATROL_ prefix."""

from __future__ import annotations

import ipaddress
import os
import secrets
import time
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GRIDPATROL_", env_file=None, extra="ignore")

    var_dir: Path = Path("./var")
    database_url: str = ""
    jwt_secret: SecretStr | None = None
    admin_password: SecretStr | None = None
    access_token_ttl_s: int = 15 * 60
    refresh_token_ttl_s: int = 30 * 24 * 3600
    timezone: str = "Asia/Shanghai"
    max_body_bytes: int = 2 * 1024 * 1024
    media_dir: Path | None = None  # content-addressed photos; var_dir/"media" when unset
    max_upload_bytes: int = Field(default=10 * 1024 * 1024, ge=1)  # one attachment file
    max_image_pixels: int = Field(default=40_000_000, ge=1)  # refused from the header, before decoding
    served_image_px: int = Field(default=2560, ge=320)  # the served copy's long side (the original is kept)
    # Pixels being decoded at once, across uploads (a WebP takes ~20 bytes a pixel while it decodes):
    # one photo at the limit, or three of 12 MP; more wait.
    image_decode_budget_pixels: int = Field(default=40_000_000, ge=1)
    image_decode_wait_s: float = Field(default=20.0, ge=0)  # longer in the queue: 503 with Retry-After
    outside_grid_tolerance_m: float = 500.0
    max_future_skew_s: int = 10 * 60
    locator_check_interval_s: float = 2.0
    patrol_max_speed_kmh: float = Field(default=40.0, gt=0)  # e-bikes are common
    patrol_jump_speed_kmh: float = Field(default=150.0, gt=0)  # beyond this a fix is a jump, not a ride
    patrol_max_accuracy_m: float = Field(default=50.0, gt=0)
    patrol_gap_minutes: float = Field(default=5.0, gt=0)  # longer gaps between fixes are not counted
    track_h3_resolution: int = Field(default=11, ge=0, le=15)  # coverage cells (~2,150 m² each at 11)
    track_retention_days: int = Field(default=400, ge=1)  # track partitions older than this are dropped
    track_partitions_ahead_days: int = Field(default=7, ge=1)
    duty_minutes: int = Field(default=120, ge=1)  # minutes inside the own grid for a compliant day
    log_level: str = "INFO"
    db_pool_size: int = Field(default=20, ge=1)
    jobs_enabled: bool = True  # run the job worker in this process (lifespan)
    job_poll_interval_s: float = Field(default=1.0, gt=0)
    job_batch_size: int = Field(default=20, ge=1)
    # Sign-in limits (app/accounts/throttle.py): the attempt that reaches max failures locks for
    # login_lockout_s, doubling with each further one up to login_lockout_max_s.
    login_account_max_failures: int = Field(default=5, ge=1)
    login_address_max_failures: int = Field(default=30, ge=1)  # a town office or a carrier NAT is one address
    login_lockout_s: float = Field(default=60.0, gt=0)
    login_lockout_max_s: float = Field(default=900.0, gt=0)
    login_forget_after_s: float = Field(default=900.0, gt=0)  # a count not added to for this long starts over
    password_check_concurrency: int = Field(default=2, ge=1)  # argon2 checks at once (~50 ms, 64 MiB each)
    password_check_wait_s: float = Field(default=10.0, ge=0)  # longer in the queue: 503 with Retry-After
    # /metrics: open when neither is set; each one set must be satisfied.
    metrics_token: SecretStr | None = None  # scrapers send `Authorization: Bearer <token>`
    metrics_allow: str = ""  # client addresses or networks, comma-separated: "127.0.0.1,10.0.0.0/8"
    # The dashboard page (/dashboard/): the built web/dashboard (web/dashboard/dist when unset) and an
    # optional intranet tile server, e.g. "https://tiles.example.gov.cn/{z}/{x}/{y}.png" (plain background without).
    dashboard_dir: Path | None = None
    map_tile_url: str = ""
    dashboard_poll_s: float = Field(default=4.0, ge=0.5)  # the page polls its queue this often while it has no stream
    # The live stream (docs/stream.md). With redis_url, events go through Redis pub/sub to every process.
    redis_url: str = ""  # e.g. redis://127.0.0.1:6379/0; empty: one process works alone
    stream_channel: str = "gridpatrol:stream"  # the Redis pub/sub channel (one per deployment)
    stream_heartbeat_s: float = Field(default=15.0, gt=0)  # a comment line when nothing else was sent
    stream_ticket_ttl_s: int = Field(default=60, ge=1)
    stream_queue_size: int = Field(default=256, ge=1)  # events waiting for one client; beyond: closed, resumes
    stream_retry_ms: int = Field(default=3000, ge=0)  # the reconnection delay EventSource is told

    @field_validator("metrics_allow")
    @classmethod
    def _networks(cls, value: str) -> str:
        for part in filter(None, (p.strip() for p in value.split(","))):
            ipaddress.ip_network(part, strict=False)  # ValueError names the bad entry at start-up
        return value

    @field_validator("map_tile_url")
    @classmethod
    def _tile_url(cls, value: str) -> str:
        value = value.strip()
        if value and (urlsplit(value).scheme not in ("http", "https") or not urlsplit(value).hostname):
            raise ValueError("map_tile_url must be an http(s) URL such as https://tiles.example/{z}/{x}/{y}.png")
        return value

    def metrics_networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        return [ipaddress.ip_network(p.strip(), strict=False) for p in self.metrics_allow.split(",") if p.strip()]

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.var_dir / 'gridpatrol.db').as_posix()}"

    def resolved_media_dir(self) -> Path:
        return self.media_dir if self.media_dir is not None else self.var_dir / "media"

    def resolved_jwt_secret(self) -> str:
        """The configured secret, or one generated once and kept in var_dir (never a constant)."""
        if self.jwt_secret is not None:
            return self.jwt_secret.get_secret_value()
        path = self.var_dir / "jwt_secret"
        self.var_dir.mkdir(parents=True, exist_ok=True)
        secret = secrets.token_urlsafe(48)
        try:  # create it only if absent, owner-only from the first byte: `serve --workers N` starts N at once
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            for _ in range(50):  # another process may have created it and not written it yet
                stored = path.read_text().strip()
                if stored:
                    return stored
                time.sleep(0.01)
            raise RuntimeError(f"{path} is empty; delete it or set GRIDPATROL_JWT_SECRET") from None
        with os.fdopen(fd, "w") as handle:
            handle.write(secret)
        return secret
