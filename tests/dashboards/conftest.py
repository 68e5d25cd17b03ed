"""Report-world fixtures for dashboard tests."""

from tests.worlds import world  # noqa: F401
