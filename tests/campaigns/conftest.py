"""Report-world fixtures for campaign tests."""

from tests.worlds import world  # noqa: F401
