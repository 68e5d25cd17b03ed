"""Placeholder; replaced by the in-memory STRtree locator."""


class Locator:
    def __init__(self, check_interval_s: float = 2.0) -> None:
        self.check_interval_s = check_interval_s
