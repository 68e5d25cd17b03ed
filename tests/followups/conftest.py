"""Report-world fixtures for followups tests."""

from tests.worlds import world  # noqa: F401
