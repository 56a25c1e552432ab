import pytest

from guanjia.testing.browser import browser  # noqa: F401  (Chromium, for the browser tests)


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


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request in English must not leak into the next test."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
