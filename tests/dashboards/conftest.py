"""Report-world fixtures for dashboards tests."""

from tests.worlds import world  # noqa: F401
