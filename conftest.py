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
    and ~1,000 auth permissions (the post_migrate signal, once per app): ~0.5 s per such test, of
    which the flush itself is a tenth. Nothing here reads permission rows (roles live in
    core.roles); content types must exist outside any test's transaction (one created inside a
    test would vanish with its rollback but stay in the cache), so they are put back in one insert."""
    from django.apps import apps
    from django.contrib.contenttypes.management import create_contenttypes
    from django.contrib.contenttypes.models import ContentType
    from django.db.models.signals import post_migrate

    post_migrate.disconnect(dispatch_uid="django.contrib.auth.management.create_permissions")
    post_migrate.disconnect(create_contenttypes)

    def restore_content_types(sender, using="default", **kwargs):
        if sender.label != "contenttypes":
            return
        ContentType.objects.clear_cache()
        ContentType.objects.using(using).bulk_create(
            [ContentType(app_label=m._meta.app_label, model=m._meta.model_name) for m in apps.get_models()],
            ignore_conflicts=True,
        )

    post_migrate.connect(restore_content_types, dispatch_uid="guanjia.tests.restore_content_types")
    yield
