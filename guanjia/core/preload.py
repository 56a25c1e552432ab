"""Make a preloading server's master process hold what every worker would otherwise build for itself.

gunicorn with ``preload_app`` (deploy/gunicorn.conf.py) imports the application in the master and
forks the workers from it: pages the master filled are shared by every worker until one writes to
them. Two things defeated that:

- what Django and django-ninja build on first use was built in each worker separately: every view
  module (imported when the URLconf is first resolved), the validators and serializers of the API's
  pydantic models (deferred, see ``guanjia/__init__.py``), the translation catalogs;
- Python's cyclic garbage collector writes to every object it examines, so a worker's first
  collections copied nearly every page it had inherited.

``prepare_for_fork`` does the first part once in the master and then freezes everything it holds
(``gc.freeze``: moved out of the collector's sight, so workers' collections never touch it), as the
Python documentation recommends for a process that forks without exec. Measured on one server with
two workers after 1,000 API calls (``python -m benchmarks.memory --server``): each worker's private
memory 142 → 63 MB (docs/performance.md).
"""

import contextlib
import gc

_prepared = False


def build_deferred_models() -> int:
    """Build every pydantic model whose validator is still deferred; the number built. Walks the
    subclass tree, never the garbage collector's objects: a lazy object (a request's CSP nonce)
    would be evaluated by the mere question whether it is a class."""
    import pydantic

    built = 0
    seen: set[type] = set()
    stack = [pydantic.BaseModel]
    while stack:
        for model in stack.pop().__subclasses__():
            if model in seen:
                continue
            seen.add(model)
            stack.append(model)
            if not model.__pydantic_complete__:
                # One that cannot be built yet (an annotation not importable) builds on first use.
                with contextlib.suppress(pydantic.PydanticUserError):
                    model.model_rebuild(force=True)
                    built += 1
    return built


def prepare_for_fork() -> None:
    """In a preloading master, before each fork: the first call builds what workers share, every call
    freezes what the master holds now (a worker forked later inherits the same shared pages)."""
    global _prepared
    if not _prepared:
        from django.conf import settings
        from django.urls import get_resolver
        from django.utils import translation

        get_resolver()._populate()  # imports every URLconf and view module, builds the reverse map
        build_deferred_models()
        for code, _name in settings.LANGUAGES:
            translation.activate(code)  # activating a language loads its catalog
        translation.deactivate()
        _prepared = True
    gc.freeze()
