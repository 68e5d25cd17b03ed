"""The lockfiles pin every dependency pyproject.toml declares, with hashes, at versions it allows;
the dev lock carries the runtime pins unchanged (the image runs what the tests ran)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9_.\-\[\]]+)==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$")


def pins(lock: str) -> dict[str, str]:
    """name -> version of every pin that applies on this machine; each pin must carry a hash."""
    found: dict[str, str] = {}
    lines = (ROOT / lock).read_text().splitlines()
    for i, line in enumerate(lines):
        match = PIN.match(line)
        if not match:
            continue
        assert "--hash=sha256:" in lines[i + 1], f"{lock}: {line} has no hash"
        name, version, marker = match.groups()
        if marker is None or Requirement(f"x; {marker}").marker.evaluate(default_environment()):
            found[canonicalize_name(name.split("[")[0])] = version
    return found


def declared(extra: str | None = None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = project["optional-dependencies"][extra] if extra else project["dependencies"]
    return [Requirement(r) for r in names]


def test_every_runtime_dependency_is_pinned_at_a_version_it_allows() -> None:
    locked = pins("requirements.lock")
    for requirement in declared():
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{name} is not in requirements.lock: run make lock"
        assert requirement.specifier.contains(locked[name], prereleases=True), (name, locked[name])


def test_the_dev_lock_adds_the_dev_tools_and_keeps_the_runtime_pins() -> None:
    runtime, dev = pins("requirements.lock"), pins("requirements-dev.lock")
    assert {name: dev.get(name) for name in runtime} == runtime
    for requirement in [*declared(), *declared("dev")]:
        name = canonicalize_name(requirement.name)
        assert name in dev, f"{name} is not in requirements-dev.lock: run make lock"
        assert requirement.specifier.contains(dev[name], prereleases=True), (name, dev[name])
