"""A fresh machine, as the README's first screen describes it: what the two commands need is named
there, and `make test` names exactly what to install when something is missing."""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _preflight_packages() -> set[str]:
    """Every apt package the Makefile's checks can ask for."""
    makefile = (ROOT / "Makefile").read_text()
    found = set()
    for names in re.findall(r'missing="\$\$missing ([a-z0-9. -]+)"', makefile):
        found.update(names.split())
    return found


def test_the_readmes_first_screen_names_everything_the_two_commands_install_from_apt():
    first_screen = "\n".join((ROOT / "README.md").read_text().splitlines()[:30])
    packages = _preflight_packages()
    assert {"chromium", "python3", "nodejs", "npm"} <= packages
    for package in packages:
        assert re.search(rf"apt-get install[^\n]*\b{re.escape(package)}\b", first_screen), package


def test_make_test_says_exactly_what_to_install_when_chromium_is_missing():
    result = subprocess.run(
        ["make", "--no-print-directory", "preflight", "CHROMIUM=/nonexistent/chromium"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "sudo apt-get install chromium" in result.stdout


def test_the_preflight_passes_on_a_machine_that_has_everything():
    result = subprocess.run(
        ["make", "--no-print-directory", "preflight"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
