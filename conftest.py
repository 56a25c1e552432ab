import pytest


@pytest.fixture
def world(db):
    from guanjia.testing.world import build_world

    return build_world()
