"""Every schema the published OpenAPI names is exactly one class.

django-ninja files each schema under its class name in ``components/schemas``; when two apps define a
class of the same name (``PlanIn`` in quality and in facilities), the later one silently replaces the
earlier, and a client generated from the document sends the wrong body. This walks every schema
reachable from every operation (parameters, bodies, responses, and everything nested in them) and
fails on a duplicate name, then checks each component really is its class.
"""

import enum
import json
import typing
from collections import defaultdict

from django.test import Client
from pydantic import BaseModel

from guanjia.api import api


def _reachable() -> set[type]:
    found: set[type] = set()

    def walk(annotation) -> None:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel | enum.Enum):
            if annotation in found:
                return
            found.add(annotation)
            if issubclass(annotation, BaseModel):
                for field in annotation.model_fields.values():
                    walk(field.annotation)
            return
        for arg in typing.get_args(annotation):
            walk(arg)

    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for model in operation.models:
                    walk(model)
                for model in (operation.response_models or {}).values():
                    walk(model)
    return found


def _components() -> dict:
    """The components a client sees: those the operations refer to, directly or through others."""
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = json.loads(response.content)
    schemas = document["components"]["schemas"]
    used: dict = {}
    pending = [document["paths"]]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            name = ref.removeprefix("#/components/schemas/")
            if ref and name not in used:
                used[name] = schemas[name]
                pending.append(schemas[name])
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return used


def test_no_two_schemas_share_a_name():
    components = _components()
    by_name: dict[str, set[str]] = defaultdict(set)
    for cls in _reachable():
        # Parameter models (a list's filters, its pagination) are spread into query parameters and
        # never referred to by name; everything that is must be one class.
        if cls.__name__ in components:
            by_name[cls.__name__].add(f"{cls.__module__}.{cls.__qualname__}")
    duplicates = {name: sorted(where) for name, where in by_name.items() if len(where) > 1}
    assert not duplicates, (
        f"schema names used by more than one class (rename with the app's prefix): {duplicates}"
    )
    assert len(by_name) > 100  # the walk really reached the API


def test_each_component_is_its_class():
    components = _components()
    for cls in _reachable():
        component = components.get(cls.__name__)
        if component is None:
            continue
        if issubclass(cls, enum.Enum):
            assert set(component.get("enum", [])) == {m.value for m in cls}, cls
        else:
            # Bodies are published by alias, responses by field name (as ninja serialises them).
            shapes = [
                set(cls.model_json_schema(by_alias=by_alias, mode=mode).get("properties", {}))
                for by_alias, mode in ((True, "validation"), (False, "serialization"))
            ]
            assert set(component.get("properties", {})) in shapes, cls
