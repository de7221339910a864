import pytest

from accord.ewp.tests.helpers import name_hei_ids
from conftest import World


@pytest.fixture
def named(world: World) -> World:
    """The world, its institutions with hei-ids."""
    name_hei_ids(world)
    return world
