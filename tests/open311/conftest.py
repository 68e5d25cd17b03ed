"""Report-world fixtures for Open311 tests."""

from tests.worlds import world  # noqa: F401
