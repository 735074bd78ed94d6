"""Differential mode: generated operations against mim (or ``--conformance-client``) and a
real MongoDB (``MONGODB_URI``); every difference is a failure that hypothesis shrinks to
a minimal reproduction, printed as a pymongo snippet.

Without ``MONGODB_URI`` these tests are skipped (there is no server to compare with).
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance import settings as run_settings
from conformance.clients import URI_ENV, load_factory, mim_factory, real_server_factory
from conformance.differential import Scenario, explain, observe
from conformance.strategies import documents, filters, pipelines, projections, updates

pytestmark = [
    pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning"),
    pytest.mark.skipif(
        not os.environ.get(URI_ENV),
        reason=(f"differential tests compare mim with a real MongoDB: set {URI_ENV}="
                f"mongodb://host:27017 to run them (and --conformance-client module:factory "
                f"to compare another pymongo-compatible client instead of mim)")),
]

_SETTINGS = settings(max_examples=run_settings.examples(100), deadline=None, database=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                            HealthCheck.filter_too_much])


def _numbered(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"_id": i, **d} for i, d in enumerate(docs)]


DOCS = st.lists(documents(with_id=False), max_size=6).map(_numbered)


class _Pair:
    """The client under test and the reference server, created once per module."""

    def __init__(self) -> None:
        spec = run_settings.client_spec()
        self.name = spec or "mim"
        self.candidate_factory = load_factory(spec) if spec else None
        reference = real_server_factory()
        assert reference is not None
        self.reference = reference()

    def candidate(self) -> Any:
        if self.candidate_factory is not None:
            return self.candidate_factory()
        return mim_factory()()


@pytest.fixture(scope="module")
def pair() -> Any:
    clients = _Pair()
    yield clients
    clients.reference.close()


def _check(pair: _Pair, scenario: Scenario) -> None:
    client = pair.candidate()
    try:
        candidate = observe(client, scenario)
    finally:
        client.close()
    reference = observe(pair.reference, scenario)
    assert candidate == reference, explain(candidate, reference, scenario,
                                           (pair.name, "MongoDB"))


SCENARIOS = st.one_of(
    st.builds(lambda d, f: Scenario(d, "find", {"filter": f}), DOCS, filters()),
    st.builds(lambda d, f, p: Scenario(d, "find", {"filter": f, "projection": p}),
              DOCS, filters(), projections()),
    st.builds(lambda d, f: Scenario(d, "count_documents", {"filter": f}), DOCS, filters()),
    st.builds(lambda d, k, f: Scenario(d, "distinct", {"key": k, "filter": f}),
              DOCS, st.sampled_from(["a", "b", "a.b"]), filters()),
    st.builds(lambda d, f, u: Scenario(d, "update_many", {"filter": f, "update": u}),
              DOCS, filters(), updates()),
    st.builds(lambda d, f, u: Scenario(d, "update_one",
                                       {"filter": f, "update": u, "upsert": True}),
              DOCS, filters(), updates()),
    st.builds(lambda d, f: Scenario(d, "delete_many", {"filter": f}), DOCS, filters()),
    st.builds(lambda d, p: Scenario(d, "aggregate",
                                    {"pipeline": p + [{"$sort": {"_id": 1}}]}),
              DOCS, pipelines()),
)


@_SETTINGS
@given(scenario=SCENARIOS)
def test_same_answers_as_mongodb(pair: _Pair, scenario: Scenario) -> None:
    _check(pair, scenario)
