"""Facilities pages, one module per sub-domain: ``ledger`` (the equipment ledger, an item's phone
page opened from its QR label), ``maintenance`` (my work today, doing a task, plans), ``costs`` and
``patrols`` (routes, checkpoints, rounds, scans). ``urls.py`` maps each page. Thin: every write is
a service call."""
