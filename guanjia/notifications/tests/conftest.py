import pytest


@pytest.fixture
def emails(world):
    """Give the named people e-mail addresses (the world's users have none)."""
    for user in (world.desk, world.technician, world.manager, world.foreign_admin, world.resident_user):
        user.email = f"{user.username}@example.com"
        user.save(update_fields=["email"])
    return world
