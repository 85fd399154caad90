"""The GitHub workflows, checked offline: against the workflow schema check-jsonschema ships, by
zizmor's security audits (actions pinned to a commit, no credentials left in the checkout, least
permissions), and for what they are for: CI runs .ci/run on every supported Python with Node.js,
and a version tag builds and publishes by trusted publishing alone."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
GITHUB = ROOT / ".github"
WORKFLOWS = sorted((GITHUB / "workflows").glob("*.yml"))
BIN = Path(sys.executable).parent
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")


def workflow(name: str) -> dict[Any, Any]:
    loaded = yaml.safe_load((GITHUB / "workflows" / name).read_text())
    assert isinstance(loaded, dict)
    return loaded


def triggers(loaded: dict[Any, Any]) -> dict[str, Any]:
    # YAML 1.1 reads a bare `on` key as True.
    found = loaded.get("on", loaded.get(True))
    assert isinstance(found, dict)
    return found


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return list(job["steps"])


def tool(name: str) -> str:
    path = BIN / name
    assert path.exists(), f"{name} is not installed: it is in the test extra (make setup)"
    return str(path)


def test_there_are_the_two_workflows() -> None:
    assert [path.name for path in WORKFLOWS] == ["ci.yml", "release.yml"]


def test_the_workflows_match_githubs_schema() -> None:
    checks = [
        ("vendor.github-workflows", [str(path) for path in WORKFLOWS]),
        ("vendor.dependabot", [str(GITHUB / "dependabot.yml")]),
    ]
    for schema, files in checks:
        done = subprocess.run(
            [tool("check-jsonschema"), "--builtin-schema", schema, *files], capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr


def test_zizmor_finds_nothing_even_pedantic() -> None:
    done = subprocess.run(
        [tool("zizmor"), "--offline", "--persona", "pedantic", "--no-progress", str(GITHUB)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No findings to report" in done.stdout


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_every_action_is_pinned_to_a_commit_and_every_checkout_drops_its_credentials(path: Path) -> None:
    loaded = yaml.safe_load(path.read_text())
    assert loaded["permissions"] == {}, "nothing at the top: each job asks for what it needs"
    for job in loaded["jobs"].values():
        assert job["permissions"] and "write-all" not in str(job["permissions"])
        for step in steps(job):
            if "uses" in step:
                assert PINNED.match(step["uses"]), step["uses"]
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False


def test_ci_runs_ci_run_on_every_supported_python_with_node() -> None:
    loaded = workflow("ci.yml")
    assert {"push", "pull_request"} <= set(triggers(loaded))
    (job,) = loaded["jobs"].values()
    classifiers = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["classifiers"]
    supported = sorted(c.rsplit(" :: ", 1)[1] for c in classifiers if re.fullmatch(r".*Python :: 3\.\d+", c))
    assert job["strategy"]["matrix"]["python"] == supported == ["3.11", "3.12", "3.13"]
    uses = [step.get("uses", "").split("@")[0] for step in steps(job)]
    assert "actions/setup-node" in uses and "actions/setup-python" in uses
    assert steps(job)[-1]["run"] == "bash .ci/run"


def test_a_version_tag_builds_then_publishes_by_trusted_publishing_alone() -> None:
    loaded = workflow("release.yml")
    assert triggers(loaded) == {"push": {"tags": ["v*"]}}
    build, publish = loaded["jobs"]["build"], loaded["jobs"]["publish"]
    assert build["permissions"] == {"contents": "read"}
    assert any("twine check --strict" in step.get("run", "") for step in steps(build))
    # The release builds with the tools the tests build with: the same pins as the test extra.
    test_extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["test"]
    installs = " ".join(step.get("run", "") for step in steps(build)).split()
    tools = ("build==", "twine==")
    released_with = sorted(word for word in installs if word.startswith(tools))
    assert len(released_with) == 2 and released_with == sorted(r for r in test_extra if r.startswith(tools))
    assert publish["needs"] == "build" and publish["permissions"] == {"id-token": "write"}
    assert publish["environment"]["name"] == "pypi"
    (upload,) = [step for step in steps(publish) if step.get("uses", "").startswith("pypa/gh-action-pypi-publish@")]
    assert "with" not in upload, "no password or token: PyPI trusts the workflow's OIDC token"
    assert "secrets." not in (GITHUB / "workflows" / "release.yml").read_text()
