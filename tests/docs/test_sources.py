"""Every citation in the repository points inside it: docs/aws-facts.md and the public pages it
names, never the private notes the project was started from, which no reader has."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Written in pieces so this file does not cite them itself.
OUTSIDE = ("../" + "shared", "shared/" + "notes", "shared/" + "seed", "/work" + "/")
SKIPPED_DIRS = {".git", ".venv", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".hypothesis", "build", "dist", "out"}


def repository_files() -> list[Path]:
    """The files of the repository: git's list when it is a clone, else every file but caches."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=False)
    if listed.returncode == 0 and listed.stdout:
        return [ROOT / name for name in listed.stdout.decode().split("\0") if name]
    return [
        path for path in ROOT.rglob("*") if path.is_file() and not SKIPPED_DIRS & set(path.relative_to(ROOT).parts[:-1])
    ]


def citations_outside(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if any(needle in line for needle in OUTSIDE)]


def test_no_file_cites_anything_outside_the_repository() -> None:
    files = [path for path in repository_files() if path.is_file() and path != Path(__file__).resolve()]
    assert len(files) > 50  # the walk found the repository, not an empty directory
    found = {}
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # binary: no citation
        if hits := citations_outside(text):
            found[str(path.relative_to(ROOT))] = hits[:3]
    assert not found, f"cite docs/aws-facts.md (or a public page) instead: {found}"


@pytest.mark.parametrize(
    "line",
    [
        "# fact: see ../" + "shared/notes/aws-facts.md",
        '"source": "/work' + '/shared/seed/000.txt"',
    ],
)
def test_the_check_catches_a_citation_of_the_notes(line: str) -> None:
    assert citations_outside(f"ok\n{line}\n") == [line.strip()]
