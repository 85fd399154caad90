"""The documentation site builds as `make docs` builds it: MkDocs in strict mode, so a broken link or
anchor, a page left out of the nav or an include that is not there fails here. And what the site
generates is whole: the CLI reference holds every command, the changelog page the whole changelog."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from mkdocs.config import load_config

from alarmclock.cli import cli, register_commands

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    mkdocs = str(Path(sys.executable).parent / "mkdocs")
    # Built from another folder than the root: the includes are found from mkdocs.yml, not the cwd.
    done = subprocess.run(
        [mkdocs, "build", "--strict", "--quiet", "--config-file", str(ROOT / "mkdocs.yml"), "--site-dir", str(out)],
        cwd=out.parent,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return out


def nav_pages(entries: list[object]) -> list[str]:
    pages: list[str] = []
    for entry in entries:
        assert isinstance(entry, dict)
        for value in entry.values():
            pages.extend(nav_pages(value) if isinstance(value, list) else [value])
    return pages


def test_every_page_in_docs_is_in_the_nav_and_built(site: Path) -> None:
    config = load_config(config_file=str(ROOT / "mkdocs.yml"))  # MkDocs' own reading: its YAML tags too
    pages = nav_pages(config["nav"])
    assert sorted(pages) == sorted(path.name for path in (ROOT / "docs").glob("*.md"))
    for page in pages:
        built = site / ("index.html" if page == "index.md" else page.removesuffix(".md") + "/index.html")
        assert built.is_file(), page


def test_the_cli_reference_documents_every_command_and_option(site: Path) -> None:
    register_commands()
    page = (site / "cli" / "index.html").read_text()
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    for name, command in cli.commands.items():
        assert f'id="alarmclock-{name}"' in page, name
        section = text.split(f"alarmclock {name}¶", 1)[1].split("¶", 1)[0]
        assert f"alarmclock {name} [OPTIONS]" in section, name
        shown = [option.opts[-1] for option in command.params if isinstance(option, click.Option) and not option.hidden]
        assert shown and all(opt in section for opt in shown), name


def test_the_changelog_page_is_the_changelog(site: Path) -> None:
    page = (site / "changelog" / "index.html").read_text()
    headings = [line[3:] for line in (ROOT / "CHANGELOG.md").read_text().splitlines() if line.startswith("## ")]
    assert headings and all(heading.split(" (")[0] in page for heading in headings)
