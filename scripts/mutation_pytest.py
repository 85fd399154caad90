"""The pytest plugin of scripts/mutation.py: which test ran which line, and running only some tests.

Loaded with `-p mutation_pytest` (scripts/ on the path). It does nothing unless asked by environment:

- MUTATION_DURATIONS=path: the coverage run. Each test's lines go under a context named by its node
  id (coverage.py's own dynamic contexts name a function, not a parametrized case), and each test's
  time goes to `path` as JSON. The emulator runs the handler from the template's inline code,
  compiled under the name `<function/index.py>`, which coverage.py does not measure; that code keeps
  handler.py's line numbers (alarmclock.inline_source), so here, and only in this run, it is
  compiled under handler.py's own path instead and its lines count for handler.py.
- MUTATION_SELECT=path: a mutant's run. Only the tests whose node ids the JSON file `path` maps to a
  time are kept, quickest first (with -x the run stops at the first failure, so a caught mutant
  costs little).
"""

from __future__ import annotations

import builtins
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_durations: dict[str, float] = {}


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("MUTATION_DURATIONS"):
        _measure_inline_handler()


def _measure_inline_handler() -> None:
    from alarmclock import handler
    from alarmclock.emulator import services

    handler_path = str(Path(handler.__file__).resolve())

    def compile_as_handler(source: Any, filename: str, mode: str, *args: Any, **kwargs: Any) -> Any:
        if filename.startswith("<") and filename.endswith("/index.py>"):
            filename = handler_path
        return builtins.compile(source, filename, mode, *args, **kwargs)

    services.compile = compile_as_handler  # type: ignore[attr-defined]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    coverage = _current_coverage()
    if coverage is not None:
        coverage.switch_context(item.nodeid)
    yield
    if coverage is not None:
        coverage.switch_context("")


def _current_coverage() -> Any:
    if not os.environ.get("MUTATION_DURATIONS"):
        return None
    import coverage

    return coverage.Coverage.current()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if os.environ.get("MUTATION_DURATIONS"):
        _durations[report.nodeid] = _durations.get(report.nodeid, 0.0) + report.duration


def pytest_sessionfinish(session: pytest.Session) -> None:
    path = os.environ.get("MUTATION_DURATIONS")
    if path:  # added to the times of an earlier run, if any (scripts/mutation.py --add-tests)
        file = Path(path)
        earlier = json.loads(file.read_text(encoding="utf-8")) if file.exists() else {}
        file.write_text(json.dumps(earlier | _durations, indent=0, sort_keys=True), encoding="utf-8")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    path = os.environ.get("MUTATION_SELECT")
    if not path:
        return
    wanted: dict[str, float] = json.loads(Path(path).read_text(encoding="utf-8"))
    kept = sorted((item for item in items if item.nodeid in wanted), key=lambda item: wanted[item.nodeid])
    dropped = [item for item in items if item.nodeid not in wanted]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    items[:] = kept
