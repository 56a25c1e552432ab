"""The load test of the production set-up (.ci/production; docs/load.md): the people and bills it
needs (``seed``), the fake Alipay gateway as a process (``gateway``), the mix (``locustfile``) and
what must hold afterwards (``verify``)."""
