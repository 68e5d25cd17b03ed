"""Report-world fixtures for API key tests."""

from tests.worlds import world  # noqa: F401
