# The service-request world of the tickets tests, for the ceiling test.
from guanjia.tickets.tests.conftest import tw  # noqa: F401
