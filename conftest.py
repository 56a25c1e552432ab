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


@pytest.fixture(scope="session", autouse=True)
def _light_flush(django_db_setup):
    """After a transactional test, Django empties every table and then re-creates all content types
    and ~1,000 auth permissions (the post_migrate signal): ~0.5 s per such test, of which the flush
    itself is a tenth. Nothing here reads permission rows (roles live in core.roles), and content
    types are created on first use, so after a flush only the content-type cache must go (its ids
    point at deleted rows)."""
    from django.contrib.contenttypes.management import create_contenttypes
    from django.contrib.contenttypes.models import ContentType
    from django.db.models.signals import post_migrate

    post_migrate.disconnect(dispatch_uid="django.contrib.auth.management.create_permissions")
    post_migrate.disconnect(create_contenttypes)

    def forget_content_types(**kwargs):
        ContentType.objects.clear_cache()

    post_migrate.connect(forget_content_types, dispatch_uid="guanjia.tests.forget_content_types")
    yield
