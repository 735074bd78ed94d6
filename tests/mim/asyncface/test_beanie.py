"""Beanie 2 on mim's async face: the README's example, and Beanie's own machinery
(init_beanie's index creation, revision ids, links) on an in-process server."""

from __future__ import annotations

import asyncio
import pathlib
import runpy

import pytest

beanie = pytest.importorskip("beanie", reason="Beanie is in the [async] and [test] extras")

from beanie import Document, Link, init_beanie  # noqa: E402
from beanie.exceptions import RevisionIdWasChanged  # noqa: E402

import mim  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "examples" / "beanie_app.py"


def test_readme_example_is_the_example_file_and_runs():
    source = EXAMPLE.read_text()
    assert source in (ROOT / "README.md").read_text()
    namespace = runpy.run_path(str(EXAMPLE))
    assert asyncio.run(namespace["main"]()) == ["Tony's", "Milka"]


class Author(Document):
    name: str

    class Settings:
        name = "authors"


class Book(Document):
    title: str
    author: Link[Author]

    class Settings:
        name = "books"
        use_revision = True


def test_links_revisions_and_indexes():
    async def main():
        client = mim.AsyncMongoClient(server=mim.Server())
        await init_beanie(database=client.library, document_models=[Author, Book])
        author = await Author(name="Le Guin").insert()
        book = await Book(title="The Dispossessed", author=author).insert()
        fetched = await Book.find_one(Book.title == "The Dispossessed", fetch_links=True)
        assert fetched.author.name == "Le Guin"
        stale = await Book.get(book.id)
        book.title = "The Dispossessed: An Ambiguous Utopia"
        await book.save()
        stale.title = "other"
        with pytest.raises(RevisionIdWasChanged):
            await stale.save()
        stored = await client.library.books.find_one({"_id": book.id})
        assert stored["author"].id == author.id
        await client.close()
    asyncio.run(main())
