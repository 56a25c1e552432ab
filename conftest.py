import pytest
from hypothesis import settings as hypothesis_settings

from guanjia.testing.browser import browser  # noqa: F401  (Chromium, for the browser tests)

# A loaded 2-core CI machine makes hypothesis' per-example time limit (200 ms) fail at random;
# performance is measured in `make bench`, never by a test's clock.
hypothesis_settings.register_profile("guanjia", deadline=None)
hypothesis_settings.load_profile("guanjia")


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
