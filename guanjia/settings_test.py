"""Settings for the test suite: the normal settings with jobs run inline and fast hashing."""

import os

os.environ.setdefault("GUANJIA_TESTING", "1")

from guanjia.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only; production uses argon2
AXES_ENABLED = os.environ.get("AXES_ENABLED", "1") == "1"
LANGUAGE_CODE = "zh-hans"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Push messages go one by one in tests (their outcome is what most tests check); the digest's own
# tests turn it on.
GUANJIA_NOTIFICATION_DIGEST_MINUTES = 0

# The test database is built from the models, not by replaying every migration: replaying them
# re-renders the whole model graph hundreds of times (~2.5 min of CPU per test process, twice per
# CI run). The migrations themselves are still proved: `makemigrations --check` (models and
# migrations agree) in `make check`, and `migrate` from empty on SQLite (`make demo` in .ci/run)
# and on PostgreSQL (.ci/production). None of their RunPython steps adds rows an empty database needs.
DATABASES["default"].setdefault("TEST", {})["MIGRATE"] = False  # noqa: F405
