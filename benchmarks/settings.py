"""Settings of the benchmark's own servers (``loadbench`` runs manage.py and gunicorn with them):
the production settings, with the URLconf that adds the ceiling views. Never the site's settings."""

from guanjia.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.urls"
