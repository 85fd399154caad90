"""The base install stays light: CDK is an extra, and nothing but alarmclock.cdk imports it."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CDK_PACKAGES = ("aws-cdk-lib", "constructs", "jsii")


def project() -> dict[str, object]:
    return dict(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"])


def test_pip_install_alarmclock_pulls_no_cdk() -> None:
    dependencies = project()["dependencies"]
    assert isinstance(dependencies, list) and dependencies
    assert not [d for d in dependencies if d.lower().startswith(CDK_PACKAGES)]


def test_the_cdk_extra_brings_cdk_and_the_test_extra_brings_the_cdk_extra() -> None:
    extras = project()["optional-dependencies"]
    assert isinstance(extras, dict)
    assert sorted(d.split(">")[0] for d in extras["cdk"]) == ["aws-cdk-lib", "constructs"]
    assert "alarmclock[cdk]" in extras["test"]  # so `make test` on a clean clone runs tests/template/test_cdk.py


def test_the_cli_and_the_emulator_never_import_cdk(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from alarmclock.cli import main\n"
        f"assert main(['template', '-o', {str(tmp_path / 'clock.yaml')!r}]) == 0\n"
        "assert main(['simulate', '--duration', '10m']) in (0, 1)\n"
        f"assert main(['simulate', '--template', {str(tmp_path / 'clock.yaml')!r}, '--duration', '10m']) in (0, 1)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('aws_cdk', 'constructs', 'jsii')))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
