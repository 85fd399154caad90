"""The template variants that every check of the template runs on (cfn-lint, checkov, the IAM rule),
and the checkov scan of them.

One list, so the tests and `make security` (scripts/scan_variants.py) check exactly the same templates.
It lives with the tests, not in the installed package: only the tests and that script use it.
checkov itself is not imported: it pins its own boto3 and packaging, so it lives in a virtual
environment of its own (the Makefile's .venv/checkov) and runs as a command.
"""

from __future__ import annotations

import itertools
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alarmclock.render import render
from alarmclock.spec import VIAS, build_spec
from alarmclock.template import build_template

TARGETS: dict[str, tuple[str, ...]] = {
    "none": (),
    "lambda": ("arn:aws:lambda:us-east-1:123456789012:function:my-job",),
    "all": (
        "arn:aws:lambda:us-east-1:123456789012:function:my-job:live",
        "arn:aws:sns:us-east-1:123456789012:ticks",
        "arn:aws:sqs:eu-west-1:123456789012:ticks.fifo",
        "arn:aws:events:us-east-1:123456789012:event-bus/default",
    ),
}
# The "all" targets' queue is encrypted with a customer managed key (--target-key).
TARGET_KEYS: dict[str, tuple[str, ...]] = {
    "all": ("arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",),
}
PAYLOADS: dict[str, str | None] = {"none": None, "object": '{"job": "nightly", "dry_run": false}'}
# Whole minutes, the longest sliding and the wall-clock period, and the sub-minute (high-resolution) ones.
PERIODS = ("1m", "5m", "120m", "1440m", "10s", "20s", "30s")


@dataclass(frozen=True)
class Variant:
    via: str
    targets: str  # a key of TARGETS
    payload: str  # a key of PAYLOADS
    every: str
    alarms: int = 1
    window: str | None = None  # None: the period's default

    @property
    def name(self) -> str:
        design = "" if self.alarms == 1 else f"-{self.alarms}alarms"
        window = f"-{self.window}" if self.window else ""
        return f"{self.via}-{self.targets}-{self.payload}-{self.every}{design}{window}"

    def template(self) -> dict[str, Any]:
        spec = build_spec(
            every=self.every,
            via=self.via,
            targets=TARGETS[self.targets],
            payload=PAYLOADS[self.payload],
            alarms=self.alarms,
            window=self.window,
            target_keys=TARGET_KEYS.get(self.targets, ()),
            failure_alarm=self.targets == "all",  # and an alarm on failed deliveries
        )
        return build_template(spec)


# Every target and payload shape at 1 minute; every period on the fullest template; the seed's
# two-alarm design and the wall-clock window on it too.
VARIANTS: tuple[Variant, ...] = (
    *(
        Variant(via, targets, payload, every)
        for via, targets, payload, every in itertools.product(VIAS, TARGETS, PAYLOADS, PERIODS)
        if every == "1m" or (targets == "all" and payload == "object")
    ),
    *(Variant(via, "all", "object", every, alarms=2) for via in VIAS for every in ("1m", "10s", "1440m")),
    *(Variant(via, "all", "object", every, window="wallclock") for via in VIAS for every in ("1m", "5m", "60m")),
)


def write_variants(directory: Path) -> list[Path]:
    """Write every variant as YAML and as JSON into directory; return the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for variant in VARIANTS:
        template = variant.template()
        for fmt in ("yaml", "json"):
            path = directory / f"{variant.name}.{fmt}"
            path.write_text(render(template, fmt), encoding="utf-8")
            written.append(path)
    return written


# Offline: --skip-download keeps checkov from fetching Prisma Cloud policies and guidelines.
CHECKOV_ARGS = ("--framework", "cloudformation", "--skip-download", "--output", "json")


@dataclass(frozen=True)
class CheckResult:
    file: str  # the template's file name
    check_id: str
    resource: str  # "AWS::Lambda::Function.TickFunction"
    result: str  # PASSED, FAILED or SKIPPED
    name: str

    def __str__(self) -> str:
        return f"{self.result} {self.check_id} on {self.resource} in {self.file}: {self.name}"


@dataclass(frozen=True)
class CheckovReport:
    results: tuple[CheckResult, ...]
    parsing_errors: tuple[str, ...]
    exit_code: int
    version: str

    def problems(self, files: list[Path]) -> list[str]:
        """Everything that makes these files fail: failed checks, unreadable or unscanned files.

        checkov exits 0 on a file it cannot parse and says nothing of a file it does not take for
        CloudFormation, so both are looked for here rather than trusted to the exit code.
        """
        names = {path.name for path in files}
        problems = [str(r) for r in self.results if r.file in names and r.result == "FAILED"]
        unparsed = names & set(self.parsing_errors)
        problems += [f"checkov could not parse {name}" for name in sorted(unparsed)]
        scanned = {r.file for r in self.results}
        problems += [f"checkov did not scan {name}" for name in sorted(names - scanned - unparsed)]
        if self.exit_code not in (0, 1):  # 1: a check failed
            problems.append(f"checkov exited {self.exit_code}")
        return problems


def run_checkov(checkov: str, directory: Path) -> CheckovReport:
    """Scan every template in directory (one checkov process for all: it takes ~4 s to start)."""
    completed = subprocess.run(
        [checkov, "--directory", str(directory), *CHECKOV_ARGS], capture_output=True, text=True, check=False
    )
    try:
        data = json.loads(completed.stdout)
        found = data["results"]
    except (ValueError, KeyError, TypeError):
        raise RuntimeError(
            f"checkov gave no JSON report (exit {completed.returncode}): {completed.stderr[-2000:]}"
        ) from None
    results = tuple(
        CheckResult(
            file=Path(check["file_path"]).name,
            check_id=check["check_id"],
            resource=check["resource"],
            result=check["check_result"]["result"],
            name=check["check_name"],
        )
        for kind in ("passed_checks", "failed_checks", "skipped_checks")
        for check in found.get(kind, [])
    )
    return CheckovReport(
        results=results,
        parsing_errors=tuple(Path(path).name for path in found.get("parsing_errors", [])),
        exit_code=completed.returncode,
        version=str(data.get("summary", {}).get("checkov_version", "?")),
    )
