"""Report-world fixtures for household tests."""

from tests.worlds import world  # noqa: F401
