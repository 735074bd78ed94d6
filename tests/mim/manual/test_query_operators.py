"""Query operators: the MongoDB manual's worked examples
(mongodb/docs source/reference/operator/query/<operator>.txt), run as data."""

import pytest
from bson.binary import Binary

from .harness import ids, run

# The documents the $bitsAllSet page shows (the page's shared collection include is not in
# the index; these two are printed in full in its results).
BITS = [
    {"_id": 1, "a": 54, "binaryValueofA": "00110110"},
    {"_id": 4, "a": Binary(b"f", 0), "binaryValueofA": "01100110"},
]
# pymongo hands BinData subtype 0 back as bytes
BITS_OUT = [BITS[0], dict(BITS[1], a=b"f")]

EXAMPLES = [
    dict(name="bitsAllSet/position-array", docs=BITS, filter={"a": {"$bitsAllSet": [1, 5]}},
         expected=BITS_OUT),
    dict(name="bitsAllSet/integer-bitmask", docs=BITS, filter={"a": {"$bitsAllSet": 50}},
         expected=[BITS[0]]),
    dict(name="bitsAllSet/bindata-bitmask", docs=BITS,
         filter={"a": {"$bitsAllSet": Binary(b"0", 0)}}, expected=[BITS[0]]),
]


MOD_INVENTORY = [{"_id": 1, "item": "abc123", "qty": 0}, {"_id": 2, "item": "xyz123", "qty": 5},
                 {"_id": 3, "item": "ijk123", "qty": 12}]
BUDGET = [{"_id": 1, "category": "food", "budget": 400, "spent": 450},
          {"_id": 2, "category": "drinks", "budget": 100, "spent": 150},
          {"_id": 3, "category": "clothes", "budget": 100, "spent": 50},
          {"_id": 4, "category": "misc", "budget": 500, "spent": 300},
          {"_id": 5, "category": "travel", "budget": 200, "spent": 650}]
SUPPLIES = [{"_id": 1, "item": "binder", "qty": 100, "price": 12},
            {"_id": 2, "item": "notebook", "qty": 200, "price": 8},
            {"_id": 3, "item": "pencil", "qty": 50, "price": 6},
            {"_id": 4, "item": "eraser", "qty": 150, "price": 3}]
EXAMPLES += [
    # ------------------------------------------------------------------ $mod
    dict(name="mod/select", docs=MOD_INVENTORY, filter={"qty": {"$mod": [4, 0]}},
         expected=[MOD_INVENTORY[0], MOD_INVENTORY[2]]),
    *[dict(name=f"mod/float-divisor-{d}", docs=MOD_INVENTORY, filter={"qty": {"$mod": [d, 0]}},
           expected=[MOD_INVENTORY[0], MOD_INVENTORY[2]]) for d in (4.0, 4.5, 4.99)],
    dict(name="mod/negative-divisor", docs=MOD_INVENTORY, filter={"qty": {"$mod": [-4, -0]}},
         expected=[MOD_INVENTORY[0], MOD_INVENTORY[2]]),
    # ----------------------------------------------------------------- $expr
    dict(name="expr/compare-fields", docs=BUDGET,
         filter={"$expr": {"$gt": ["$spent", "$budget"]}},
         expected=[BUDGET[0], BUDGET[1], BUDGET[4]]),
    dict(name="expr/conditional", docs=SUPPLIES, filter={"$expr": {"$lt": [{"$cond": {
        "if": {"$gte": ["$qty", 100]}, "then": {"$divide": ["$price", 2]},
        "else": {"$divide": ["$price", 4]}}}, 5]}}, expected=SUPPLIES[1:]),
]
ERRORS = [
    ("mod/not-enough-elements-one", {"qty": {"$mod": [4]}}, "malformed mod, not enough elements"),
    ("mod/not-enough-elements-empty", {"qty": {"$mod": []}}, "malformed mod, not enough elements"),
    ("mod/too-many-elements", {"qty": {"$mod": [4, 1, 2, 3]}}, "malformed mod, too many elements"),
]


@pytest.mark.parametrize("name,filter_,message", ERRORS, ids=[e[0] for e in ERRORS])
def test_manual_error(db, name, filter_, message):
    from pymongo.errors import OperationFailure
    db.c.insert_many([dict(d) for d in MOD_INVENTORY])
    with pytest.raises(OperationFailure, match=message):
        list(db.c.find(filter_))

@pytest.mark.parametrize("ex", EXAMPLES, ids=ids(EXAMPLES))
def test_manual_example(db, ex):
    run(db, ex)
