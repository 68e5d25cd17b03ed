"""Report-world fixtures for reports tests."""

from tests.worlds import world  # noqa: F401
