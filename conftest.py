import pytest


@pytest.fixture
def world(db):
    from guanjia.testing.world import build_world

    return build_world()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: ids are reused between tests, cached scopes must not be."""
    from django.core.cache import cache

    cache.clear()
    yield
