"""The Pydantic bridge: a mapped class's schema as a Pydantic model (for FastAPI responses), on every backend."""
from __future__ import annotations

import datetime
import decimal

import pydantic
import pytest

import odm
from odm import schema
from odm.odm import FieldProperty, MappedClass
from odm.pydantic import pydantic_model, to_pydantic


def declare(sess):
    class Address(odm.EmbeddedMappedClass):
        city = FieldProperty(schema.String(required=True))

    class User(MappedClass):
        class __mongometa__:
            name = "user"
            session = sess

        _id = FieldProperty(schema.ObjectId)
        name = FieldProperty(schema.String(required=True, max_length=10))
        age = FieldProperty(schema.Int(min_value=0))
        joined = FieldProperty(schema.DateTime)
        balance = FieldProperty(schema.NumberDecimal)
        tags = FieldProperty([str])
        home = odm.EmbeddedProperty(Address)
        visits = odm.EmbeddedProperty([Address])

    return Address, User


def test_a_loaded_object_becomes_a_pydantic_model(odm_session):
    Address, User = declare(odm_session)
    user = User(name="Ada", age=36, joined=datetime.datetime(2020, 1, 2), balance=decimal.Decimal("1.5"),
                tags=["x"], home=Address(city="London"), visits=[Address(city="Paris")])
    odm_session.flush()
    odm_session.clear()
    model = to_pydantic(User.query.get(user._id))
    assert isinstance(model, pydantic.BaseModel) and type(model) is pydantic_model(User)
    assert model.id == str(user._id) and model.name == "Ada" and model.balance == decimal.Decimal("1.5")
    assert model.home.city == "London" and model.visits[0].city == "Paris"
    assert model.model_dump(by_alias=True, mode="json") == {
        "_id": str(user._id), "name": "Ada", "age": 36, "joined": "2020-01-02T00:00:00", "balance": "1.5",
        "tags": ["x"], "home": {"city": "London"}, "visits": [{"city": "Paris"}]}


def test_the_model_carries_the_rules_and_documents_the_api():
    Address, User = declare(None)
    Model = pydantic_model(User)
    assert pydantic_model(User) is Model
    js = Model.model_json_schema()
    assert js["required"] == ["name"]
    assert js["properties"]["name"]["anyOf"][0] == {"maxLength": 10, "type": "string"}  # Ming: required, None allowed
    assert js["properties"]["age"]["anyOf"][0] == {"minimum": 0, "type": "integer"}
    with pytest.raises(pydantic.ValidationError, match="at most 10 characters"):
        Model(name="x" * 11)
    with pytest.raises(pydantic.ValidationError, match="Field required"):
        Model()
    assert Model(name="Bob").tags == [] and Model(name="Bob").home is None
