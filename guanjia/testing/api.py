"""Calling the API in tests, and the battery every API resource's tests run.

``ScopedResourceBattery`` is NetBox's per-resource test mixin in our terms: for one resource it
proves that anonymous callers get 401, that another company's staff, another project's staff and
residents of another unit can neither list, read, change nor delete a record (and that the record
is untouched afterwards), and that a permitted user can, with every change journaled.
"""

from __future__ import annotations

import datetime
import json
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.utils import timezone

from guanjia.accounts.models import ApiToken, hash_token
from guanjia.core.models import ObjectChange


class Api:
    """A JSON client for /api/v1/ that authenticates with a real bearer token."""

    def __init__(self, user=None):
        self.client = Client()
        self.headers = {}
        if user is not None:
            raw = ApiToken.new_raw_key()
            ApiToken.objects.create(
                user=user,
                key_hash=hash_token(raw),
                prefix=raw[:8],
                expires_at=timezone.now() + datetime.timedelta(days=1),
            )
            self.headers = {"Authorization": f"Bearer {raw}"}

    def _call(self, method, path, data=None, **params):
        url = path if path.startswith("/") else f"/api/v1/{path}"
        kwargs = {"headers": self.headers}
        if data is not None:
            kwargs.update(data=json.dumps(data, default=str), content_type="application/json")
        if params:
            kwargs["QUERY_STRING"] = urlencode(params)
        return getattr(self.client, method)(url, **kwargs)

    def get(self, path, **params):
        return self._call("get", path, **params)

    def post(self, path, data=None):
        return self._call("post", path, data if data is not None else {})

    def patch(self, path, data):
        return self._call("patch", path, data)

    def put(self, path, data):
        return self._call("put", path, data)

    def delete(self, path):
        return self._call("delete", path)


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


def snapshot(obj) -> dict:
    """Every concrete field of a row as stored, to prove that a refused call changed nothing."""
    fresh = type(obj)._base_manager.get(pk=obj.pk)
    return {f.attname: getattr(fresh, f.attname) for f in fresh._meta.concrete_fields}


class ScopedResourceBattery:
    """Mix into a test class for one API resource and fill in the hooks.

    ``resource``: the path segment (``units``). ``make(world, project)``: a record in that project.
    ``create_payload(world)``: a valid body creating a record in ``world.project``.
    ``update_payload``: a valid PATCH body. ``writer``/``reader``: attribute names on World of a user
    allowed to write / read in ``world.project``. ``resident_sees_own``: residents may read
    their own records of this resource.
    """

    resource: str
    update_payload: dict
    writer = "manager"
    reader = "desk"
    resident_sees_own = False
    updatable = True  # False: the resource has no PATCH (delete and re-create)

    def make(self, world, project):
        raise NotImplementedError

    def create_payload(self, world) -> dict:
        raise NotImplementedError

    def own_of(self, world):
        """A record that belongs to ``world.resident`` (for resources residents see)."""
        raise NotImplementedError

    # --- anonymous ---------------------------------------------------------------------------

    def test_anonymous_gets_401_everywhere(self, world):
        obj = self.make(world, world.project)
        api = Api()
        before = snapshot(obj)
        assert api.get(self.resource).status_code == 401
        assert api.get(f"{self.resource}/{obj.pk}").status_code == 401
        assert api.post(self.resource, self.create_payload(world)).status_code == 401
        if self.updatable:
            assert api.patch(f"{self.resource}/{obj.pk}", self.update_payload).status_code == 401
        assert api.delete(f"{self.resource}/{obj.pk}").status_code == 401
        assert snapshot(obj) == before

    # --- other company -----------------------------------------------------------------------

    @pytest.mark.parametrize("intruder", ["foreign_admin", "sibling_desk", "other_resident_user"])
    def test_out_of_scope_user_cannot_list_read_change_or_delete(self, world, intruder):
        if intruder == "sibling_desk" and self.resource in {"projects"}:
            obj = world.project
        else:
            obj = self.make(world, world.project)
        if intruder == "other_resident_user" and self.resident_sees_own:
            obj = self.hidden_from_other_resident(world)
        api = Api(getattr(world, intruder))
        before = snapshot(obj)
        changes_before = ObjectChange.objects.count()
        listed = api.get(self.resource, page_size=200)
        if listed.status_code == 200:
            assert obj.pk not in ids(listed)
        else:
            assert listed.status_code == 403
        assert api.get(f"{self.resource}/{obj.pk}").status_code in (403, 404)
        if self.updatable:
            assert api.patch(f"{self.resource}/{obj.pk}", self.update_payload).status_code in (403, 404)
        assert api.delete(f"{self.resource}/{obj.pk}").status_code in (403, 404)
        assert snapshot(obj) == before
        assert ObjectChange.objects.count() == changes_before

    def test_other_company_gets_404_exactly_like_a_missing_id(self, world):
        obj = self.make(world, world.project)
        api = Api(world.foreign_admin)
        hidden = api.get(f"{self.resource}/{obj.pk}")
        missing = api.get(f"{self.resource}/999999999")
        assert hidden.status_code == missing.status_code == 404
        assert set(hidden.json()) == set(missing.json()) == {"detail", "errors"}

    def test_cannot_create_into_another_company(self, world):
        payload = self.create_payload(world)
        api = Api(world.foreign_admin)
        count = ObjectChange.objects.count()
        response = api.post(self.resource, payload)
        if not any(key.endswith(("_id", "_ids")) for key in payload):
            # Nothing in the payload points into a company: the record lands in the caller's own.
            assert response.status_code == 201
            model = type(self.make(world, world.project))
            assert model.objects.get(pk=response.json()["id"]).company_id == world.other_company.pk
            return
        assert response.status_code in (403, 422), response.content
        assert ObjectChange.objects.count() == count

    # --- permitted ---------------------------------------------------------------------------

    def test_reader_lists_and_reads(self, world):
        obj = self.make(world, world.project)
        api = Api(getattr(world, self.reader))
        assert obj.pk in ids(api.get(self.resource, page_size=200))
        detail = api.get(f"{self.resource}/{obj.pk}")
        assert detail.status_code == 200
        assert detail.json()["id"] == obj.pk

    def test_hq_sees_every_project_of_the_company(self, world):
        here, there = self.make(world, world.project), self.make(world, world.sibling_project)
        seen = ids(Api(world.hq).get(self.resource, page_size=200))
        assert {here.pk, there.pk} <= seen

    def test_writer_creates_updates_and_deletes_with_journal(self, world):
        api = Api(getattr(world, self.writer))
        created = api.post(self.resource, self.create_payload(world))
        assert created.status_code == 201, created.content
        pk = created.json()["id"]
        if self.updatable:
            updated = api.patch(f"{self.resource}/{pk}", self.update_payload)
            assert updated.status_code == 200, updated.content
            for key, value in self.update_payload.items():
                if key in updated.json():
                    assert str(updated.json()[key]) == str(value)
        deleted = api.delete(f"{self.resource}/{pk}")
        assert deleted.status_code == 204, deleted.content
        assert api.get(f"{self.resource}/{pk}").status_code == 404
        actions = list(
            ObjectChange.objects.filter(
                object_id=str(pk),
                content_type__model=self.model_name(world),
                source="api",
                actor=getattr(world, self.writer),
            )
            .order_by("id")
            .values_list("action", flat=True)
        )
        assert actions[0] == "create" and actions[-1] == "delete"
        assert "update" in actions or not self.updatable

    def model_name(self, world) -> str:
        return type(self.make(world, world.project))._meta.model_name

    def test_invalid_input_is_422_naming_the_field(self, world):
        api = Api(getattr(world, self.writer))
        payload = self.create_payload(world)
        field = next(k for k in payload if not k.endswith("_id"))
        payload[field] = {"not": "valid"}
        response = api.post(self.resource, payload)
        assert response.status_code == 422
        assert field in response.json()["errors"]

    def test_resident_sees_only_their_own(self, world):
        api = Api(world.resident_user)
        listed = api.get(self.resource, page_size=200)
        if not self.resident_sees_own:
            assert listed.status_code == 403
            return
        own = self.own_of(world)
        assert own.pk in ids(listed)
        assert ids(listed) <= self.resident_visible_ids(world)

    def hidden_from_other_resident(self, world):
        """A record the other resident (unit 1202) must not see; by default world.resident's own."""
        return self.own_of(world)

    def resident_visible_ids(self, world) -> set[int]:
        return {self.own_of(world).pk}
