"""Report-world fixtures for centres tests."""

from tests.worlds import world  # noqa: F401
