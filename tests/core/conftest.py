"""Core tests that go through the API use the report world."""

from tests.worlds import world  # noqa: F401
