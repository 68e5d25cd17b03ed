"""Fixtures for core tests."""

from tests.worlds import world  # noqa: F401
