"""The benchmarks (``make bench``), kept beside the ``guanjia`` package and never shipped with it.

- ``bench``: in-process timings of the lists staff use most, on a throw-away SQLite database;
- ``dataio_import``: a 20,000-row spreadsheet import, run by ``bench`` after it;
- ``loadbench``: the HTTP load test on PostgreSQL with gunicorn and wrk;
- ``settings`` + ``urls`` + ``views``: the site as loadbench serves it, plus the ceiling views.
"""
