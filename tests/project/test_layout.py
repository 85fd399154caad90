"""The package's layout, as docs/architecture.md draws it, read from the code's own imports.

Each module's imports are read with ast, not by importing it: a test of the layout must not
depend on what happens to be imported already. An import under `if TYPE_CHECKING:` names a type
for mypy and is never run, so it makes no loop; it still counts as reaching into the emulator.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

SRC = Path(__file__).parents[2] / "src"
PACKAGE = SRC / "alarmclock"
EMULATOR = "alarmclock.emulator"
# Who may run the emulator: the commands that simulate (`simulate`, `simulate --template`) and
# `probe --emulate`'s emulated account. Everything else the emulator and the rest share (the
# timing model, intrinsics, the beat's figures) lives outside it.
EMULATOR_USERS = frozenset(
    {"alarmclock.cli.simulate_cmd", "alarmclock.cli.simulate_template", "alarmclock.probe.emulated"}
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imported(node: ast.Import | ast.ImportFrom) -> Iterator[str]:
    """The package's modules an import statement names (`from a import b` is a.b when b is one)."""
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
    elif node.module is not None and node.level == 0:
        for alias in node.names:
            submodule = f"{node.module}.{alias.name}"
            yield submodule if submodule in MODULES else node.module


def imports_of(name: str, *, deferred: bool, type_checking: bool) -> set[str]:
    """The package's modules `name` imports: at import time only, or also inside its functions;
    with or without those under `if TYPE_CHECKING:`."""
    found: set[str] = set()

    def walk(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.Import | ast.ImportFrom):
                found.update(m for m in imported(node) if m.startswith("alarmclock"))
            elif isinstance(node, ast.If) and is_type_checking(node):
                walk(node.body if type_checking else [])
                walk(node.orelse)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not deferred:
                continue
            else:
                for child in ast.iter_child_nodes(node):
                    if isinstance(child, ast.stmt):
                        walk([child])
                    elif isinstance(child, ast.ExceptHandler):
                        walk(child.body)

    walk(ast.parse(MODULES[name].read_text()).body)
    return found


def loops(*, deferred: bool) -> list[frozenset[str]]:
    """The package's import loops, with or without the imports made inside functions."""
    return loops_in({name: imports_of(name, deferred=deferred, type_checking=False) & set(MODULES) for name in MODULES})


def loops_in(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected sets of nodes (Tarjan's algorithm): each is a loop."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[frozenset[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            members = set()
            while True:
                member = stack.pop()
                members.add(member)
                if member == node:
                    break
            if len(members) > 1 or node in graph[node]:
                found.append(frozenset(members))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return found


def test_the_walk_sees_imports_at_every_depth() -> None:
    # The walk must find what it tests: a deferred import, one under TYPE_CHECKING, a module-level one.
    assert "alarmclock.emulator.stack" in imports_of("alarmclock.probe.emulated", deferred=False, type_checking=False)
    assert "alarmclock.parameter_values" in imports_of("alarmclock.calibrate", deferred=True, type_checking=False)
    assert "alarmclock.parameter_values" not in imports_of("alarmclock.calibrate", deferred=False, type_checking=False)
    assert "alarmclock.emulator.services" in imports_of(
        "alarmclock.emulator.report", deferred=False, type_checking=True
    )
    assert "alarmclock.emulator.services" not in imports_of(
        "alarmclock.emulator.report", deferred=False, type_checking=False
    )


def test_no_module_imports_itself_back_when_the_package_is_imported() -> None:
    assert loops(deferred=False) == []


def test_imports_inside_functions_close_no_loop_either() -> None:
    # The CLI's commands register on the group cli/group.py defines (click's way), and the package
    # imports them when it runs: the commands import the group, not the package that imports them.
    assert [sorted(loop) for loop in loops(deferred=True)] == []


def test_a_spec_its_limits_and_its_template_close_no_loop() -> None:
    # spec.py checks a clock's environment with limits.py, which builds it with template.py; the
    # template names ClockSpec only as a type, so the three stand in a line, not a loop.
    clock = {"alarmclock.spec", "alarmclock.limits", "alarmclock.template"}
    assert [sorted(loop) for loop in loops(deferred=True) if loop & clock] == []


def test_the_loop_finder_finds_every_loop_and_nothing_else() -> None:
    # Against a finder blind to loops: a three-step loop, one module importing itself, and a chain.
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"e"}, "f": {"a"}}
    assert sorted(sorted(loop) for loop in loops_in(graph)) == [["a", "b", "c"], ["e"]]
    assert loops_in({"a": {"b"}, "b": set()}) == []


def test_nothing_outside_the_emulator_and_its_commands_imports_the_emulator() -> None:
    reaching = {
        name
        for name in MODULES
        if not (name == EMULATOR or name.startswith(EMULATOR + "."))
        and any(
            m == EMULATOR or m.startswith(EMULATOR + ".") for m in imports_of(name, deferred=True, type_checking=True)
        )
    }
    assert reaching == EMULATOR_USERS


def test_the_engine_and_the_resource_types_know_each_other_only_through_the_registry() -> None:
    # providers/base.py: a new type is a module in providers/ and never touches the engine. The
    # engine names no type; no type imports the engine, not even for a type hint (base.Stack).
    engine = imports_of("alarmclock.emulator.stack", deferred=True, type_checking=True)
    assert {m for m in engine if m.startswith("alarmclock.emulator.providers.")} == set()
    types = [name for name in MODULES if name.startswith("alarmclock.emulator.providers")]
    assert len(types) > 5
    for name in types:
        assert "alarmclock.emulator.stack" not in imports_of(name, deferred=True, type_checking=True), name


def test_the_handler_and_the_beats_figures_stand_apart_from_the_emulator() -> None:
    for name in ("alarmclock.handler", "alarmclock.beat", "alarmclock.beat_figures", "alarmclock.intervals"):
        reached = imports_of(name, deferred=True, type_checking=True)
        assert not {m for m in reached if m.startswith(EMULATOR)}, name
    assert imports_of("alarmclock.handler", deferred=True, type_checking=True) == set()


def test_the_emulator_and_the_aws_layer_stand_side_by_side() -> None:
    # docs/architecture.md: aws/ and emulator/ share a floor; neither reaches into the other, and
    # the emulator never into the CLI above it.
    for name in MODULES:
        reached = imports_of(name, deferred=True, type_checking=True)
        if name.startswith("alarmclock.emulator"):
            assert not {m for m in reached if m.startswith(("alarmclock.aws", "alarmclock.cli"))}, name
        if name.startswith("alarmclock.aws"):
            assert not {m for m in reached if m.startswith(("alarmclock.emulator", "alarmclock.cli"))}, name


# docs/architecture.md's bands, bottom up: a module imports from its own band or those below.
BANDS: list[tuple[str, tuple[str, ...]]] = [
    (
        "leaves",
        (
            "alarmclock",
            "alarmclock.handler",
            "alarmclock.alarm_facts",
            "alarmclock.intervals",
            "alarmclock.timing_model",
            "alarmclock.intrinsics",
            "alarmclock.durations",
            "alarmclock.counts",
            "alarmclock.prices",
            "alarmclock.exit_status",
            "alarmclock.inline_source",
        ),
    ),
    (
        "the clock",
        ("alarmclock.spec", "alarmclock.template", "alarmclock.render", "alarmclock.limits", "alarmclock.readback"),
    ),
    (
        "the beat",
        (
            "alarmclock.beat",
            "alarmclock.beat_figures",
            "alarmclock.calibrate",
            "alarmclock.plot",
            "alarmclock.parameter_values",
        ),
    ),
    (
        "services",
        (
            "alarmclock.aws",
            "alarmclock.emulator",
            "alarmclock.cdk",
            "alarmclock.probe",
            "alarmclock.cost",
            "alarmclock.cost_report",
            "alarmclock.target_access",
        ),
    ),
    ("commands", ("alarmclock.cli", "alarmclock.__main__")),
]


def band_of(name: str) -> int:
    """The band's index, bottom up; a package's modules are in the package's band."""
    for index, (_, members) in enumerate(BANDS):
        if name in members or any(name.startswith(member + ".") for member in members if member != "alarmclock"):
            return index
    raise AssertionError(f"{name} is in no band of docs/architecture.md: place it there and in BANDS")


def test_every_module_imports_only_from_its_band_or_below() -> None:
    upward = [
        f"{name} ({BANDS[band_of(name)][0]}) -> {target} ({BANDS[band_of(target)][0]})"
        for name in MODULES
        for target in sorted(imports_of(name, deferred=True, type_checking=True) & set(MODULES))
        if band_of(target) > band_of(name)
    ]
    assert upward == []


def test_the_bands_are_the_ones_the_page_draws() -> None:
    page = (SRC.parent / "docs" / "architecture.md").read_text()
    for label, members in BANDS:
        assert f"\n{label} " in page, label
        for member in members:
            if member != "alarmclock" and member in MODULES:
                assert member.removeprefix("alarmclock.").replace(".", "/") in page, member
