"""Scan every template variant (tests/variants.py) with checkov, offline; exit 1 on any problem.

    python scripts/scan_variants.py CHECKOV [DIR]

CHECKOV is the checkov command (`make security` installs one in .venv/checkov). The variants are
written as YAML and JSON into DIR, or into a temporary directory that is removed afterwards.
A problem is a failed check, a template checkov could not parse, or one it did not scan.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the variants live with the tests
from variants import run_checkov, write_variants


def scan(checkov: str, directory: Path) -> int:
    started = time.monotonic()
    files = write_variants(directory)
    report = run_checkov(checkov, directory)
    problems = report.problems(files)
    counts = Counter(r.result for r in report.results)
    print(
        f"checkov {report.version}: {len(files)} templates, {counts['PASSED']} passed, "
        f"{counts['SKIPPED']} skipped (reasons in alarmclock.template.CHECKOV_SKIPS), "
        f"{counts['FAILED']} failed, {time.monotonic() - started:.1f} s"
    )
    for problem in problems:
        print(f"  {problem}", file=sys.stderr)
    return 1 if problems else 0


def main(argv: list[str]) -> int:
    if len(argv) not in (1, 2):
        print(__doc__, file=sys.stderr)
        return 2
    if len(argv) == 2:
        return scan(argv[0], Path(argv[1]))
    with tempfile.TemporaryDirectory(prefix="alarmclock-variants-") as directory:
        return scan(argv[0], Path(directory))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
