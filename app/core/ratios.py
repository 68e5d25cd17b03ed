"""The one rule every published figure follows for a rate: a fraction 0..1, or None when nothing was counted."""

from __future__ import annotations


def rate(numerator: int | float, denominator: int | float) -> float | None:
    """A fraction 0..1, or None when nothing was counted."""
    return None if not denominator else numerator / denominator
