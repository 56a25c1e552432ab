from guanjia.tickets.tests.conftest import tw  # noqa: F401  (the service-request world)
