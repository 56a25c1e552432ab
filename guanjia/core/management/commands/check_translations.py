"""Fail when the English catalogue is behind the source: `make check` runs this.

It checks, in order:
1. every entry of ``locale/en/LC_MESSAGES/django.po`` has an English msgstr and none is fuzzy;
2. ``django.mo`` holds exactly what the ``.po`` says (it is committed, so ``make demo`` needs no gettext);
3. the ``.po`` has every string the code and templates mark for translation, and no obsolete ones —
   by running ``makemessages`` on a copy of the package in a temporary directory (needs GNU gettext).

To fix a failure: ``make messages``, fill in the new English msgstr entries, ``make messages`` again.
"""

from __future__ import annotations

import ast
import gettext
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

LANGUAGE = "en"
# The same patterns as the Makefile's `messages` target.
IGNORE_PATTERNS = ["tests/*", "*/tests/*", "testing/*"]


@dataclass
class Entry:
    msgid: str
    msgid_plural: str | None = None
    msgctxt: str | None = None  # a context ({% translate "…" context "nav" %}): a message of its own
    msgstrs: list[str] = field(default_factory=list)
    fuzzy: bool = False
    obsolete: bool = False


def _unquote(line: str) -> str:
    return ast.literal_eval(line[line.index('"') :])


def parse_po(text: str) -> list[Entry]:
    """The entries of a PO file as makemessages writes it (blank-line separated, header first)."""
    entries: list[Entry] = []
    for block in text.strip().split("\n\n"):
        current = None
        fuzzy = obsolete = False
        parts: dict[str, str] = {}
        for line in block.splitlines():
            if line.startswith("#~"):
                obsolete = True
                line = line[2:].strip()
            if line.startswith("#,") and "fuzzy" in [flag.strip() for flag in line[2:].split(",")]:
                fuzzy = True
            if not line or line.startswith("#"):
                continue
            if line.startswith('"'):
                if current is not None:
                    parts[current] += _unquote(line)
                continue
            current = line.split(" ", 1)[0]
            parts[current] = _unquote(line)
        if "msgid" not in parts:
            continue
        plural_keys = sorted(k for k in parts if k.startswith("msgstr["))
        entries.append(
            Entry(
                msgid=parts["msgid"],
                msgid_plural=parts.get("msgid_plural"),
                msgctxt=parts.get("msgctxt"),
                msgstrs=[parts[k] for k in plural_keys] if plural_keys else [parts.get("msgstr", "")],
                fuzzy=fuzzy,
                obsolete=obsolete,
            )
        )
    return entries


def catalogue_problems(entries: list[Entry]) -> list[str]:
    """Untranslated, fuzzy and obsolete entries, one line each (the header is not an entry)."""
    problems = []
    for entry in entries:
        if entry.msgid == "":
            if entry.fuzzy:
                problems.append("the header is marked fuzzy")
            continue
        if entry.obsolete:
            problems.append(f"obsolete (no longer in the source): {entry.msgid!r}")
        elif entry.fuzzy:
            problems.append(f"fuzzy: {entry.msgid!r}")
        elif not all(entry.msgstrs):
            problems.append(f"untranslated: {entry.msgid!r}")
    return problems


def mo_problems(entries: list[Entry], mo_path: Path) -> list[str]:
    """Differences between the compiled catalogue and the .po it should have been compiled from."""
    if not mo_path.exists():
        return [f"{mo_path} is missing: run compilemessages"]
    with mo_path.open("rb") as handle:
        compiled = dict(gettext.GNUTranslations(handle)._catalog)
    compiled.pop("", None)
    expected: dict[object, str] = {}
    for entry in entries:
        if entry.msgid == "" or entry.obsolete or entry.fuzzy:
            continue
        # gettext keys a message with a context as "<context>\x04<msgid>".
        key = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.msgid_plural is not None:
            for index, text in enumerate(entry.msgstrs):
                expected[(key, index)] = text
        elif entry.msgstrs[0]:
            expected[key] = entry.msgstrs[0]
    if compiled != expected:
        return [f"{mo_path} does not match {mo_path.with_suffix('.po').name}: run compilemessages"]
    return []


def fresh_catalogue(package_dir: Path, po_path: Path) -> list[Entry]:
    """Run makemessages on a copy of the package, merging the committed .po, and parse the result."""
    if shutil.which("xgettext") is None or shutil.which("msgmerge") is None:
        raise CommandError("GNU gettext is needed to check the translations (apt install gettext)")
    with tempfile.TemporaryDirectory(prefix="guanjia-messages-") as tmp:
        copy = Path(tmp) / package_dir.name
        shutil.copytree(
            package_dir,
            copy,
            ignore=shutil.ignore_patterns("__pycache__", "*.mo", "*.pyc", "static", "migrations"),
        )
        copied_po = copy / po_path.relative_to(package_dir)
        previous = Path.cwd()
        os.chdir(copy)
        try:
            with override_settings(LOCALE_PATHS=[copy / "locale"]):
                call_command("makemessages", locale=[LANGUAGE], ignore_patterns=IGNORE_PATTERNS, verbosity=0)
        finally:
            os.chdir(previous)
        return parse_po(copied_po.read_text(encoding="utf-8"))


class Command(BaseCommand):
    help = "Fail if the English catalogue has untranslated, fuzzy or missing entries, or a stale .mo."

    def handle(self, *args, **options) -> None:
        package_dir = Path(settings.BASE_DIR)
        po_path = Path(settings.LOCALE_PATHS[0]) / LANGUAGE / "LC_MESSAGES" / "django.po"
        if not po_path.exists():
            raise CommandError(f"{po_path} is missing: run `make messages`")
        entries = parse_po(po_path.read_text(encoding="utf-8"))
        problems = catalogue_problems(entries) + mo_problems(entries, po_path.with_suffix(".mo"))
        fresh = fresh_catalogue(package_dir, po_path)
        committed_ids = {(e.msgid, e.msgid_plural, e.msgctxt or "") for e in entries if not e.obsolete}
        fresh_ids = {(e.msgid, e.msgid_plural, e.msgctxt or "") for e in fresh if not e.obsolete}
        for msgid, _plural, _context in sorted(fresh_ids - committed_ids):
            problems.append(f"missing from {po_path.name} (run `make messages` and translate): {msgid!r}")
        for msgid, _plural, _context in sorted(committed_ids - fresh_ids):
            problems.append(f"no longer in the source (run `make messages`): {msgid!r}")
        if problems:
            raise CommandError("English translations are incomplete:\n  " + "\n  ".join(problems))
        count = sum(1 for e in entries if e.msgid and not e.obsolete)
        self.stdout.write(f"English catalogue complete: {count} entries")
