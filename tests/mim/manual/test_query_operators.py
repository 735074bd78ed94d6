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


@pytest.mark.parametrize("ex", EXAMPLES, ids=ids(EXAMPLES))
def test_manual_example(db, ex):
    run(db, ex)
