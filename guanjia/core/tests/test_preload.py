"""What a preloading master prepares for its workers (core.preload, deploy/gunicorn.conf.py's
pre_fork) and one response model per declared type (core.api)."""

import gc
import runpy
from pathlib import Path
from types import SimpleNamespace

import pydantic
import pytest
from django.urls import get_resolver

from guanjia.api import api
from guanjia.core import preload
from guanjia.core.api import ErrorOut

CONF = Path(__file__).resolve().parents[3] / "deploy" / "gunicorn.conf.py"


def _operations():
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            yield from path_view.operations


def test_operations_declaring_the_same_answer_share_one_model():
    models_by_type: dict = {}
    for operation in _operations():
        for model in operation.response_models.values():
            if isinstance(model, type) and issubclass(model, pydantic.BaseModel):
                models_by_type.setdefault(model.model_fields["response"].annotation, set()).add(model)
    assert len(models_by_type[ErrorOut]) == 1  # 401, 403, 404, 409 and 422 of ~560 operations
    shared = [t for t, models in models_by_type.items() if len(models) > 1]
    assert shared == [], "a declared type with more than one response model"
    # …and the one model answers as before: the declared type's fields under "response".
    model = next(iter(models_by_type[ErrorOut]))
    assert model(response={"detail": "不存在"}).response.detail == "不存在"


@pytest.fixture
def unfreeze():
    yield
    gc.unfreeze()


def test_the_master_builds_what_workers_share_and_freezes_it(unfreeze, monkeypatch):
    monkeypatch.setattr(preload, "_prepared", False)
    preload.prepare_for_fork()
    resolver = get_resolver()
    assert resolver._populated  # every URLconf and view imported before the fork
    deferred = [
        model
        for operation in _operations()
        for model in operation.response_models.values()
        if isinstance(model, type)
        and issubclass(model, pydantic.BaseModel)
        and not model.__pydantic_complete__
    ]
    assert deferred == []  # no worker builds an API validator of its own
    frozen = gc.get_freeze_count()
    assert frozen > 100_000  # out of the collector's sight: workers' collections don't copy these pages
    assert preload.build_deferred_models() == 0  # nothing left to build
    preload.prepare_for_fork()  # before the next fork: freezes again, builds nothing twice
    assert gc.get_freeze_count() >= frozen


def test_gunicorn_prepares_only_when_it_preloads(monkeypatch):
    conf = runpy.run_path(str(CONF))
    calls = []
    monkeypatch.setattr(preload, "prepare_for_fork", lambda: calls.append(1))
    conf["pre_fork"](SimpleNamespace(cfg=SimpleNamespace(preload_app=False)), None)
    assert calls == []  # a master without the application has nothing to share
    conf["pre_fork"](SimpleNamespace(cfg=SimpleNamespace(preload_app=True)), None)
    assert calls == [1]
