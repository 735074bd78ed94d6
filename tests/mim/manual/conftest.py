import pytest

import mim


@pytest.fixture
def db():
    client = mim.MongoClient(server=mim.Server())
    yield client["manual"]
    client.close()
