"""The base install stays light: CDK is an extra, and nothing but alarmclock.cdk imports it. And the
package as published works: the wheel `python -m build` makes passes `twine check --strict`, and
installed into a fresh virtual environment it makes a template and simulates a clock."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest
import yaml

import alarmclock

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


# ---- the wheel, installed where nothing else of the project is ----------------------------------

# The wheel is built once, on one pytest-xdist worker (xdist_group); building it and the environment
# takes over 5 s on the 2-core machine, so these tests stay out of `make check` (slow).


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel `python -m build` makes, built once for the file, offline (the build backend is in
    the test extra, so no isolated build environment is fetched)."""
    out = tmp_path_factory.mktemp("dist")
    # From a copy of what the wheel is made of: an in-tree build writes build/ and src/*.egg-info in
    # the checkout, where other workers' tests read, and once failed there halfway (a missing METADATA).
    source = tmp_path_factory.mktemp("source")
    shutil.copytree(ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, source / name)
    done = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(source)],
        capture_output=True,
        text=True,
        check=False,
        cwd=source,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    (built,) = out.glob("alarmclock-*-py3-none-any.whl")
    return built


@pytest.fixture(scope="module")
def fresh_venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtual environment holding the wheel, and nothing of this checkout. The dependencies
    (boto3, click, PyYAML) are read from this environment's site-packages through a .pth line, which
    adds the directory but not its .pth files, so this checkout's editable install stays out;
    downloading them again would make the test minutes long and need the network."""
    venv = tmp_path_factory.mktemp("fresh") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site_packages = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(site_packages) / "alarmclock-test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            str(wheel),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return venv


def run_installed(venv: Path, *argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(venv / "bin" / argv[0]), *argv[1:]], capture_output=True, text=True, check=False, cwd=cwd
    )


@pytest.mark.slow
@pytest.mark.xdist_group("wheel")
def test_the_wheel_passes_twine_check_strict(wheel: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", str(wheel)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and "PASSED" in done.stdout, done.stdout + done.stderr


@pytest.mark.slow
@pytest.mark.xdist_group("wheel")
def test_the_installed_wheel_is_typed_and_is_the_one_that_runs(fresh_venv: Path, tmp_path: Path) -> None:
    script = "import alarmclock, pathlib; print(pathlib.Path(alarmclock.__file__).parent)"
    package = Path(run_installed(fresh_venv, "python", "-c", script, cwd=tmp_path).stdout.strip())
    assert package.is_relative_to(fresh_venv), f"alarmclock came from {package}, not the wheel"
    assert (package / "py.typed").is_file() and (package / "handler.py").is_file()
    done = run_installed(fresh_venv, "alarmclock", "--version", cwd=tmp_path)
    assert done.returncode == 0 and done.stdout.strip() == f"alarmclock, version {alarmclock.__version__}"


@pytest.mark.slow
@pytest.mark.xdist_group("wheel")
def test_the_installed_command_makes_a_template_and_simulates_a_clock(fresh_venv: Path, tmp_path: Path) -> None:
    done = run_installed(fresh_venv, "alarmclock", "template", "--every", "1m", "-o", "clock.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    template = yaml.safe_load((tmp_path / "clock.yaml").read_text())
    assert template["Resources"] and template["Description"].startswith(f"alarmclock {alarmclock.__version__}")
    done = run_installed(fresh_venv, "alarmclock", "simulate", "--every", "1m", "--duration", "1h", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "verdict            ticking" in done.stdout
    done = run_installed(fresh_venv, "alarmclock", "simulate", "--every", "1m", "--duration", "soon", cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
