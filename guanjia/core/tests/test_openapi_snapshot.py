"""The API's schema is a contract: it changes only on purpose.

When you change the API deliberately, regenerate the snapshot with
``UPDATE_SNAPSHOTS=1 make pytest`` and commit the diff together with the change.
"""

import json
import os
from pathlib import Path

from django.test import Client

SNAPSHOT = Path(__file__).parent / "snapshots" / "openapi.json"


def test_openapi_schema_matches_the_snapshot():
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    current = json.dumps(response.json(), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1" or not SNAPSHOT.exists():
        SNAPSHOT.write_text(current, encoding="utf-8")
    assert current == SNAPSHOT.read_text(encoding="utf-8"), (
        "The OpenAPI schema changed. If intended, run UPDATE_SNAPSHOTS=1 make pytest and commit the snapshot."
    )


def test_docs_page_loads_without_a_cdn():
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
