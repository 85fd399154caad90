"""Mutation testing: would the tests notice a wrong line? One small edit at a time, on disk.

For each module, every mutant (scripts/mutation_operators.py: a flipped comparison, a constant off
by one, `and`/`or` swapped, a statement removed, a return dropped, ...) is written into the source
file, the tests that run its line are run, and the file is restored, whatever happens. A mutant is
caught when a test fails (or the run times out), survives when they all pass, and is not reached
when no test runs its line; not reached counts as not caught. The score is caught over tried,
leaving out the survivors reviewed as equivalent (docs/data/mutation-equivalent.json: they behave
exactly like the original, and each says why).

    nice -n 10 .venv/bin/python scripts/mutation.py                       # all six modules, every mutant
    nice -n 10 .venv/bin/python scripts/mutation.py --module spec --sample 150 --seed 27 --budget 5
    # after new tests, only the mutants not caught, the new tests measured too (--add-tests FILES):
    nice -n 10 .venv/bin/python scripts/mutation.py --module spec --sample 150 --budget 5 --rerun-survivors
    .venv/bin/python scripts/mutation.py --module durations --list        # the mutants, without running

Which test runs which line comes from one coverage.py run of the quick suite (`-m "not slow"`,
HYPOTHESIS_PROFILE=dev), each test in a context of its own (scripts/mutation_pytest.py), kept in
.mutation/ and reused until --recollect. Tests marked slow (day-long simulations, minutes each) are
never run for a mutant: a line only they reach counts as not reached. A mutant at import time (a
module constant, a default) is run against the tests that run the lines reading that name.

Why not a library: mutmut 3 rewrites every function into a trampoline, which breaks the checks on
the handler's inline source (the template ships handler.py's text); cosmic-ray needs a session
database and a worker per mutant, and selects no tests by coverage. This file edits the text in
place, so every check sees the source a reader would.

Each mutant's tests run in forks of this process (_stages: the files of its quickest tests first,
the rest only if those pass), which has pytest, boto3, moto and hypothesis imported already but not
alarmclock, so the child imports the mutated module from disk (with no bytecode cache: a mutant of
the same size written in the same second would otherwise load the original's).
Results go to docs/data/mutation.json, one entry per module (a run of some modules keeps the others).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import random
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from mutation_operators import Mutant, apply, mutants

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "src" / "alarmclock"
MODULES = {
    name: SOURCE / f"{name}.py" for name in ("handler", "spec", "durations", "beat", "template", "emulator/cloudwatch")
}
WORK = ROOT / ".mutation"
COVERAGE = WORK / "coverage.sqlite"
DURATIONS = WORK / "durations.json"
RESULTS = ROOT / "docs" / "data" / "mutation.json"
EQUIVALENT = ROOT / "docs" / "data" / "mutation-equivalent.json"
HYPOTHESIS_PROFILE = "dev"
# A mutant's run may take this many times its tests' own time in the coverage run, plus the start.
TIMEOUT_FACTOR = 4.0
TIMEOUT_START_S = 30.0
# A mutant runs its quickest tests first, up to this much of their time in the coverage run; a line
# that only slower tests reach stays untried by them (it may count as survived: the score errs low).
BUDGET_S = 60.0
# A mutant's tests run in two forks: first those of the files holding its quickest tests (at most
# this many files, among this many quickest tests), then the rest, only if the first all passed.
FIRST_STAGE_FILES = 2
FIRST_STAGE_TESTS = 20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--module", action="append", choices=sorted(MODULES), help="repeatable; default all six")
    parser.add_argument("--sample", type=int, default=0, help="mutants per module, drawn with --seed (0: all)")
    parser.add_argument("--seed", type=int, default=27)
    parser.add_argument("--recollect", action="store_true", help="run the coverage run again")
    parser.add_argument(
        "--tests", nargs="+", default=["tests"], help="what the coverage run runs (default: the quick suite)"
    )
    parser.add_argument(
        "--add-tests",
        nargs="+",
        default=[],
        help="run these tests under coverage too, added to the kept coverage run (tests written since)",
    )
    parser.add_argument(
        "--rerun-survivors",
        action="store_true",
        help="run again only the drawn mutants the results file lists as survived, not reached or error "
        "(after new tests: the others keep their verdict)",
    )
    parser.add_argument("--list", action="store_true", help="print the mutants and stop")
    parser.add_argument(
        "--budget",
        type=float,
        default=BUDGET_S,
        help="seconds of the coverage run's test time a mutant may use, quickest tests first (default %(default)s)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.sample < 0:
        parser.error("--sample must be 0 (all) or more")
    names = args.module or list(MODULES)
    if args.list:  # touches no file: a run may be editing one now
        for name in names:
            for mutant in _drawn(name, args.sample, args.seed):
                print(f"{name}:{mutant.line} {mutant.operator}: {mutant.original!r} -> {mutant.replacement!r}")
        return 0
    _restore_leftovers()
    stale = args.recollect or not COVERAGE.exists() or not DURATIONS.exists()
    if stale and not _collect(args.tests):
        print("mutation: the quick suite fails unmutated; fix that first", file=sys.stderr)
        return 1
    if args.add_tests and not _collect(args.add_tests, append=True):
        print("mutation: the added tests fail unmutated; fix that first", file=sys.stderr)
        return 1
    contexts = _contexts()
    durations: dict[str, float] = json.loads(DURATIONS.read_text(encoding="utf-8"))
    equivalent = _equivalent()
    results = json.loads(args.out.read_text(encoding="utf-8")) if args.out.exists() else {"modules": {}}
    _prepare_children()
    for name in names:
        started = time.monotonic()
        earlier = results["modules"].get(name, {}) if args.rerun_survivors else None
        entry = _run_module(name, args, contexts, durations, equivalent.get(name, []), earlier)
        entry["seconds"] = round(time.monotonic() - started, 1)
        entry["command"] = _command(name, args)
        entry["commit"] = _commit()
        entry["date"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        results["modules"][name] = entry
        args.out.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(_summary(name, entry), flush=True)
    return 0


def _drawn(name: str, sample: int, seed: int) -> list[Mutant]:
    every = mutants(MODULES[name].read_text(encoding="utf-8"))
    if sample and sample < len(every):
        every = sorted(random.Random(seed).sample(every, sample), key=lambda m: (m.line, m.col, m.operator))
    return every


def _collect(tests: list[str], append: bool = False) -> bool:
    """One coverage run of `tests` (not those marked slow), each test in its own context; True if it passed.

    With `append`, its lines and times are added to the kept run's."""
    WORK.mkdir(exist_ok=True)
    if not append:
        COVERAGE.unlink(missing_ok=True)
        DURATIONS.unlink(missing_ok=True)
    command = [
        sys.executable,
        "-m",
        "coverage",
        "run",
        *(["--append"] if append else []),
        f"--data-file={COVERAGE}",
        f"--source={SOURCE}",
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "mutation_pytest",
        "-m",
        "not slow",
        *tests,
    ]
    env = _environment() | {"MUTATION_DURATIONS": str(DURATIONS)}
    print("mutation: the coverage run:", shlex.join(command), flush=True)
    return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode == 0


def _environment() -> dict[str, str]:
    scripts = str(ROOT / "scripts")
    return dict(os.environ) | {
        "HYPOTHESIS_PROFILE": HYPOTHESIS_PROFILE,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), scripts, os.environ.get("PYTHONPATH", "")]),
    }


def _contexts() -> dict[str, dict[int, set[str]]]:
    """For each module, for each line: the tests that ran it."""
    import coverage

    data = coverage.CoverageData(basename=str(COVERAGE))
    data.read()
    found: dict[str, dict[int, set[str]]] = {}
    for name, path in MODULES.items():
        by_line = data.contexts_by_lineno(str(path.resolve()))
        found[name] = {line: {c for c in tests if c} for line, tests in by_line.items()}
    return found


def _tests_for(mutant: Mutant, tree: ast.Module, lines: dict[int, set[str]]) -> set[str]:
    tests: set[str] = set()
    for line in range(mutant.line, mutant.end_line + 1):
        tests |= lines.get(line, set())
    if mutant.binds:  # a module or class constant: the tests that run a line reading it
        for node in ast.walk(tree):
            read = (isinstance(node, ast.Name) and node.id in mutant.binds) or (
                isinstance(node, ast.Attribute) and node.attr in mutant.binds
            )
            if read and node.lineno != mutant.line:  # type: ignore[attr-defined]
                tests |= lines.get(node.lineno, set())  # type: ignore[attr-defined]
    if mutant.body_lines:  # a default or a decorator: the tests that run the function
        first, last = mutant.body_lines
        for line in range(first, last + 1):
            tests |= lines.get(line, set())
    return tests


def _within(tests: set[str], durations: dict[str, float], budget: float) -> dict[str, float]:
    """The quickest of `tests` whose times add up to at most `budget` (the quickest one at least)."""
    chosen: dict[str, float] = {}
    spent = 0.0
    for test in sorted(tests, key=lambda t: (durations.get(t, 1.0), t)):
        took = durations.get(test, 1.0)
        if chosen and spent + took > budget:
            break
        chosen[test] = took
        spent += took
    return chosen


def _same(reviewed: dict[str, Any], key: dict[str, str], mutant: Mutant) -> bool:
    """Whether a reviewed entry names this mutant: its key, and its column where the line has the
    same edit twice (two 60s on one line)."""
    return all(reviewed[k] == v for k, v in key.items()) and reviewed.get("col", mutant.col) == mutant.col


def _run_module(
    name: str,
    args: argparse.Namespace,
    contexts: dict[str, dict[int, set[str]]],
    durations: dict[str, float],
    equivalent: list[dict[str, str]],
    earlier: dict[str, Any] | None,
) -> dict[str, Any]:
    path = MODULES[name]
    source = path.read_text(encoding="utf-8")
    source_lines = source.splitlines()
    tree = ast.parse(source)
    sample, seed = args.sample, args.seed
    drawn = _drawn(name, sample, seed)
    counts = {"caught": 0, "timeout": 0, "survived": 0, "not_reached": 0, "error": 0, "equivalent": 0}
    # Listed under names of their own: the counts keep the verdicts' names.
    listed: dict[str, list[dict[str, Any]]] = {"survived": [], "not_reached": [], "error": [], "equivalent": []}
    if earlier is not None:  # the earlier run's verdict stands for every mutant it did not list
        listed_before = [*earlier.get("survivors", []), *earlier.get("unreached", []), *earlier.get("errors", [])]
        again = [{k: e[k] for k in ("operator", "line_text", "original", "mutant")} for e in listed_before]
        counts["timeout"] = earlier_timeouts = earlier.get("timeout", 0)
    for index, mutant in enumerate(drawn, 1):
        key = mutant.key(source_lines)
        reason = next((e["reason"] for e in equivalent if _same(e, key, mutant)), None)
        if earlier is not None and reason is None and key not in again:
            counts["caught"] += 1  # timeouts counted above, from the earlier run
            continue
        if reason is not None:
            verdict = "equivalent"
            listed["equivalent"].append({"line": mutant.line, **key, "reason": reason})
        else:
            tests = _tests_for(mutant, tree, contexts[name])
            if not tests:
                verdict = "not_reached"
            else:
                verdict = _verdict(path, source, mutant, _within(tests, durations, args.budget))
            if verdict in ("survived", "not_reached", "error"):
                listed[verdict].append({"line": mutant.line, "col": mutant.col, **key, "tests": len(tests)})
        counts[verdict] += 1
        print(f"  [{index}/{len(drawn)}] {name}:{mutant.line} {mutant.operator} {verdict}", flush=True)
    tried = len(drawn)
    if earlier is not None:
        counts["caught"] -= earlier_timeouts
    caught = counts["caught"] + counts["timeout"]
    scored = tried - counts["equivalent"]
    return {
        "mutants": len(mutants(source)),
        "tried": tried,
        **counts,
        "score": round(caught / scored, 3) if scored else None,
        "sample": sample or "all",
        "seed": seed,
        "hypothesis_profile": HYPOTHESIS_PROFILE,
        "budget_s": args.budget,
        "survivors": listed["survived"],
        "unreached": listed["not_reached"],
        "errors": listed["error"],
        "equivalents": listed["equivalent"],
    }


def _verdict(path: Path, source: str, mutant: Mutant, tests: dict[str, float]) -> str:
    """caught, timeout or survived: `mutant` on disk, its tests run in forks (_stages), the file restored."""
    backup = _backup(path)
    backup.write_text(source, encoding="utf-8")
    try:
        path.write_text(apply(source, mutant), encoding="utf-8")
        for stage in _stages(tests):
            code = _run_tests(stage, TIMEOUT_START_S + TIMEOUT_FACTOR * sum(stage.values()))
            if code != 0:
                break
    finally:
        path.write_text(source, encoding="utf-8")
        backup.unlink(missing_ok=True)
    if code is None:
        return "timeout"
    if code == 0:
        return "survived"
    if code in (1, 2, 3):  # failed, interrupted (a collection error: the module no longer imports), internal
        return "caught"
    return "error"  # 4 or 5: a usage error, or the selection matched no test; counts as not caught


def _stages(tests: dict[str, float]) -> list[dict[str, float]]:
    """`tests` in two runs: first the tests of the few files that hold the quickest of them, then the
    rest. Most mutants fail a quick test, and what a run costs is mostly collecting (importing) its
    files: a mutant caught in the first run never collects the others; a survivor runs all of them."""
    files: list[str] = []
    for nodeid in sorted(tests, key=lambda t: (tests[t], t))[:FIRST_STAGE_TESTS]:
        file = nodeid.split("::", 1)[0]
        if file not in files:
            files.append(file)
        if len(files) == FIRST_STAGE_FILES:
            break
    first = {t: took for t, took in tests.items() if t.split("::", 1)[0] in files}
    rest = {t: took for t, took in tests.items() if t not in first}
    return [first, rest] if rest else [first]


def _backup(path: Path) -> Path:
    return WORK / ("unmutated-" + path.relative_to(SOURCE).as_posix().replace("/", "-"))


def _restore_leftovers() -> None:
    """A run killed mid-mutant left its original in .mutation/: put it back."""
    for path in MODULES.values():
        backup = _backup(path)
        if backup.exists():
            path.write_text(backup.read_text(encoding="utf-8"), encoding="utf-8")
            backup.unlink()
            print(f"mutation: restored {path.relative_to(ROOT)} from a run that was stopped", file=sys.stderr)


def _prepare_children() -> None:
    """Import what every run imports, once, so each fork starts with it (alarmclock itself stays out)."""
    os.environ.update(_environment())
    sys.path[:0] = [str(ROOT / "src"), str(ROOT / "scripts")]
    import boto3  # noqa: F401
    import botocore.session  # noqa: F401
    import hypothesis  # noqa: F401
    import moto  # noqa: F401
    import pytest  # noqa: F401
    import yaml  # noqa: F401

    assert not any(m == "alarmclock" or m.startswith("alarmclock.") for m in sys.modules), "alarmclock imported"
    signal.signal(signal.SIGTERM, _stop)


_stopping: list[bool] = []


def _stop(*_: object) -> None:
    """SIGTERM: noted here, acted on in _run_tests's loop (an exception raised from a signal handler
    can land in a fork's at-fork callbacks, which swallow it); _verdict's finally restores the file."""
    _stopping.append(True)


def _run_tests(tests: dict[str, float], timeout: float) -> int | None:
    """pytest's exit status for `tests`, run in a fork of this process; None if it ran out of time."""
    WORK.mkdir(exist_ok=True)
    selection = WORK / "selection.json"
    selection.write_text(json.dumps(tests), encoding="utf-8")
    files = sorted({nodeid.split("::", 1)[0] for nodeid in tests})
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 3
        try:
            os.setpgid(0, 0)
            log = os.open(WORK / "last-run.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            os.dup2(log, 1)
            os.dup2(log, 2)
            sys.dont_write_bytecode = True
            sys.pycache_prefix = tempfile.mkdtemp(prefix="mutation-nocache-")
            os.environ["MUTATION_SELECT"] = str(selection)
            import pytest

            code = int(
                pytest.main(["-q", "-x", "--tb=short", "-p", "no:cacheprovider", "-p", "mutation_pytest", *files])
            )
        finally:
            os._exit(code)
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        if _stopping or time.monotonic() > deadline:
            os.killpg(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            if _stopping:
                raise SystemExit("mutation: stopped (SIGTERM); the source file is restored")
            return None
        time.sleep(0.05)


def _equivalent() -> dict[str, list[dict[str, str]]]:
    if not EQUIVALENT.exists():
        return {}
    reviewed: dict[str, list[dict[str, str]]] = json.loads(EQUIVALENT.read_text(encoding="utf-8"))
    return reviewed


def _command(name: str, args: argparse.Namespace) -> str:
    parts = ["nice", "-n", "10", ".venv/bin/python", "scripts/mutation.py", "--module", name]
    if args.sample:
        parts += ["--sample", str(args.sample), "--seed", str(args.seed)]
    if args.budget != BUDGET_S:
        parts += ["--budget", f"{args.budget:g}"]
    if args.add_tests:
        parts += ["--add-tests", *args.add_tests]
    if args.rerun_survivors:
        parts += ["--rerun-survivors"]
    return shlex.join(parts)


def _commit() -> str:
    found = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    return found.stdout.strip()


def _summary(name: str, entry: dict[str, Any]) -> str:
    score = "n/a" if entry["score"] is None else f"{entry['score']:.0%}"
    return (
        f"{name}: {entry['tried']} of {entry['mutants']} tried, {entry['caught'] + entry['timeout']} caught "
        f"({entry['timeout']} by timeout), {entry['survived']} survived, {entry['not_reached']} not reached, "
        f"{entry['equivalent']} equivalent: {score} in {entry['seconds']} s"
    )


if __name__ == "__main__":
    sys.exit(main())
