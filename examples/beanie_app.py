"""Beanie (an async ODM on pymongo's AsyncMongoClient) running on mim, in process."""

import asyncio

from beanie import Document, Indexed, init_beanie
from pydantic import BaseModel

import mim


class Category(BaseModel):
    name: str


class Product(Document):
    name: str
    price: Indexed(float)  # type: ignore[valid-type]  # a real index on mim
    category: Category

    class Settings:
        name = "products"


async def main() -> list[str]:
    client = mim.AsyncMongoClient(server=mim.Server())   # no mongod, no socket
    await init_beanie(database=client.shop, document_models=[Product])

    chocolate = Category(name="Chocolate")
    await Product(name="Tony's", price=5.95, category=chocolate).insert()
    await Product(name="Milka", price=2.5, category=chocolate).insert()

    await Product.find_one(Product.name == "Milka").set({Product.price: 3.0})
    cheap = await Product.find(Product.price < 5).to_list()
    assert [p.name for p in cheap] == ["Milka"]
    assert await Product.find(Product.category.name == "Chocolate").count() == 2

    by_price = await Product.find_all().sort(-Product.price).to_list()
    await client.close()
    return [p.name for p in by_price]


if __name__ == "__main__":
    print(asyncio.run(main()))
