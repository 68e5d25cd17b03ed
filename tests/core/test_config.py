"""Settings: the generated JWT secret is shared by every process that starts on one var_dir."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from app.core.config import Settings


class TestGeneratedJwtSecret:
    def test_is_kept_and_reused(self, tmp_path: Path) -> None:
        first = Settings(var_dir=tmp_path, jwt_secret=None).resolved_jwt_secret()
        assert Settings(var_dir=tmp_path, jwt_secret=None).resolved_jwt_secret() == first
        assert stat.S_IMODE((tmp_path / "jwt_secret").stat().st_mode) == 0o600

    def test_two_processes_starting_together_end_with_one_secret(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Both workers of `serve --workers 2` look before either has written: neither sees the file.
        monkeypatch.setattr(Path, "exists", lambda self: False)
        first = Settings(var_dir=tmp_path, jwt_secret=None).resolved_jwt_secret()
        second = Settings(var_dir=tmp_path, jwt_secret=None).resolved_jwt_secret()
        assert first == second == (tmp_path / "jwt_secret").read_text().strip()
