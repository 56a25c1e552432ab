"""Options of an import that apps above dataio offer (a checkbox on the upload form, ``options`` in
the API), and what they do once the file's rows are in.

Dataio imports no app above it. An app registers an ``ImportOption`` from its ``AppConfig.ready()``:
``after(job=, actor=, phones=)`` runs inside the import's transaction once every row is saved
(``phones``: the residents' numbers of the file), for jobs whose person ticked it; it schedules its
own work with ``transaction.on_commit``. residents registers "invite the file's residents".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class ImportOption:
    name: str
    label: Promise | str
    after: Callable
    help_text: Promise | str = ""


_options: dict[str, ImportOption] = {}


def register_import_option(option: ImportOption) -> None:
    _options[option.name] = option


def import_options() -> list[ImportOption]:
    return list(_options.values())


def option_named(name: str) -> ImportOption | None:
    return _options.get(name)
