"""Report-world fixtures for stream tests."""

from tests.worlds import world  # noqa: F401
