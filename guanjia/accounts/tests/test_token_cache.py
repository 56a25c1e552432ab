"""A bearer token and its user are kept in the shared cache; revoking or changing them counts at once.

Outside a test transaction (``transaction=True``): inside one nothing is cached (a change could
still be rolled back), so the cache would not be exercised.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guanjia.accounts.models import ApiToken
from guanjia.testing.api import Api
from guanjia.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def bearer_for(user):
    raw = Api().post("auth/token", {"username": user.username, "password": PASSWORD}).json()["token"]
    api = Api()
    api.headers = {"Authorization": f"Bearer {raw}"}
    return api


def token_reads(api) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        status = api.get("me").status_code
    return status, sum('FROM "accounts_apitoken"' in q["sql"] for q in queries.captured_queries)


def test_a_second_call_does_not_read_the_token_again(world):
    api = bearer_for(world.desk)
    assert token_reads(api) == (200, 1)
    assert token_reads(api) == (200, 0)


def test_a_revoked_token_is_refused_on_the_next_call(world):
    api = bearer_for(world.desk)
    assert token_reads(api)[0] == 200
    assert api.delete("auth/token").status_code == 204
    assert api.get("me").status_code == 401


def test_a_deactivated_user_is_refused_on_the_next_call(world):
    api = bearer_for(world.desk)
    assert token_reads(api) == (200, 1)
    world.desk.is_active = False
    world.desk.save()
    assert api.get("me").status_code == 401


def test_a_deleted_token_is_refused_on_the_next_call(world):
    api = bearer_for(world.desk)
    assert token_reads(api)[0] == 200
    ApiToken.objects.get(user=world.desk).delete()
    assert api.get("me").status_code == 401


def test_the_token_and_its_users_scope_are_read_in_one_round_trip(world):
    """After the first call, an API call reads its token and the user's scope from the shared
    cache together; the scope read that way still follows a change of the user's projects."""
    from unittest import mock

    from django.core.cache import cache

    from guanjia.staff.models import StaffMember

    api = bearer_for(world.desk)
    assert api.get("me").status_code == 200
    assert api.get("me").status_code == 200  # the scope is in the shared cache now
    with (
        mock.patch.object(cache, "get", wraps=cache.get) as get,
        mock.patch.object(cache, "get_many", wraps=cache.get_many) as get_many,
    ):
        me = api.get("me").json()
    [(together,), _kw] = get_many.call_args_list[0]
    assert get_many.call_count == 1 and together[1] == f"guanjia:scope:{world.desk.pk}"
    # Nothing else is asked (the test cache answers ``get_many`` key by key, through ``get``).
    assert {c.args[0] for c in get.call_args_list} <= set(together)
    assert world.project.pk in {p["id"] for p in me["projects"]}
    StaffMember.objects.get(user=world.desk).projects.remove(world.project)
    assert world.project.pk not in {p["id"] for p in api.get("me").json()["projects"]}
