"""Report-world fixtures for routing tests."""

from tests.worlds import world  # noqa: F401
