"""Demo and scale data: ``manage.py seed_demo`` and ``manage.py seed_scale``.

The top of the layers: it imports every app (each app's own ``seeding.py``), nothing imports it.
"""
