"""Array operators, from the manual's examples plus null/missing/type edge cases."""


from mim.engine.values.order import MISSING

from .helpers import compile_err, err, ev


class TestElementAccess:
    def test_array_elem_at(self):
        doc = {"favorites": ["chocolate", "cake", "butter", "apples"]}
        assert ev({"$arrayElemAt": ["$favorites", 0]}, doc) == "chocolate"
        assert ev({"$arrayElemAt": ["$favorites", -1]}, doc) == "apples"
        assert ev({"$arrayElemAt": [[1, 2, 3], 15]}) is MISSING
        assert ev({"$arrayElemAt": [[1, 2, 3], -15]}) is MISSING
        assert ev({"$arrayElemAt": [None, 0]}) is None
        assert ev({"$arrayElemAt": [[1], "$nope"]}) is None

    def test_array_elem_at_errors(self):
        e = err({"$arrayElemAt": ["x", 0]})
        assert (e.code, e.errmsg) == (28689, "$arrayElemAt's first argument must be an array, "
                                             "but is string")
        assert err({"$arrayElemAt": [[1], "a"]}).code == 28690
        assert err({"$arrayElemAt": [[1], 1.5]}).code == 28691

    def test_first_last(self):
        assert ev({"$first": [[1, 2, 3]]}) == 1
        assert ev({"$last": [[1, 2, 3]]}) == 3
        assert ev({"$first": "$items"}, {"items": [[1, 2], 3]}) == [1, 2]
        assert ev({"$first": [[]]}) is MISSING
        assert ev({"$last": "$nope"}) is None
        e = err({"$first": "$x"}, {"x": 1})
        assert (e.code, e.errmsg) == (28689, "$first's argument must be an array, but is int")


class TestBuilding:
    def test_concat_arrays(self):
        assert ev({"$concatArrays": [["hello", " "], ["world"]]}) == ["hello", " ", "world"]
        assert ev({"$concatArrays": [["hello", " "], [["world"], "again"]]}) == \
            ["hello", " ", ["world"], "again"]
        assert ev({"$concatArrays": [[1], "$nope"]}) is None
        assert err({"$concatArrays": [[1], 2]}).code == 28664

    def test_range(self):
        assert ev({"$range": [0, 10, 2]}) == [0, 2, 4, 6, 8]
        assert ev({"$range": [10, 0, -2]}) == [10, 8, 6, 4, 2]
        assert ev({"$range": [0, 10, -2]}) == []
        assert ev({"$range": [0, 5]}) == [0, 1, 2, 3, 4]
        assert err({"$range": [0, 5, 0]}).code == 34449
        assert err({"$range": ["a", 5]}).code == 34443
        assert err({"$range": [0.5, 5]}).code == 34444
        assert err({"$range": [None, 5]}).code == 34443

    def test_reverse_array(self):
        assert ev({"$reverseArray": [[1, 2, 3]]}) == [3, 2, 1]
        assert ev({"$reverseArray": [[]]}) == []
        assert ev({"$reverseArray": [[[1, 2, 3], [4, 5, 6]]]}) == [[4, 5, 6], [1, 2, 3]]
        assert ev({"$reverseArray": "$nope"}) is None
        assert err({"$reverseArray": 1}).code == 34435

    def test_size(self):
        assert ev({"$size": [["a", "b", "c"]]}) == 3
        e = err({"$size": "$nope"})
        assert (e.code, e.errmsg) == (17124, "The argument to $size must be an array, but was of "
                                             "type: missing")

    def test_slice(self):
        assert ev({"$slice": [[1, 2, 3], 1, 1]}) == [2]
        assert ev({"$slice": [[1, 2, 3], -2]}) == [2, 3]
        assert ev({"$slice": [[1, 2, 3], 15, 2]}) == []
        assert ev({"$slice": [[1, 2, 3], -15, 2]}) == [1, 2]
        assert ev({"$slice": [[1, 2, 3], 2]}) == [1, 2]
        assert ev({"$slice": [None, 2]}) is None
        assert err({"$slice": [[1], 0, 0]}).code == 28729
        assert err({"$slice": [1, 0]}).code == 28724

    def test_zip(self):
        matrix = [[1, 2], [3, 4], [5, 6]]
        spec = {"$zip": {"inputs": [{"$arrayElemAt": ["$m", 0]}, {"$arrayElemAt": ["$m", 1]},
                                    {"$arrayElemAt": ["$m", 2]}]}}
        assert ev(spec, {"m": matrix}) == [[1, 3, 5], [2, 4, 6]]
        assert ev({"$zip": {"inputs": [[1, 2], [3]]}}) == [[1, 3]]
        assert ev({"$zip": {"inputs": [[1, 2], [3]], "useLongestLength": True}}) == \
            [[1, 3], [2, None]]
        assert ev({"$zip": {"inputs": [[1, 2], [3]], "useLongestLength": True,
                            "defaults": ["a", "b"]}}) == [[1, 3], [2, "b"]]
        assert ev({"$zip": {"inputs": [[1], "$nope"]}}) is None

    def test_zip_errors(self):
        assert compile_err({"$zip": {"inputs": []}}).code == 34465
        assert compile_err({"$zip": {"inputs": [[1]], "defaults": [1]}}).code == 34466
        assert compile_err({"$zip": {"inputs": [[1]], "useLongestLength": True,
                                     "defaults": [1, 2]}}).code == 34467
        assert err({"$zip": {"inputs": [1]}}).code == 34468


class TestHigherOrder:
    def test_filter(self):
        items = [{"item_id": 43, "quantity": 2, "price": 10},
                 {"item_id": 2, "quantity": 1, "price": 240}]
        spec = {"$filter": {"input": "$items", "as": "item",
                            "cond": {"$gte": ["$$item.price", 100]}}}
        assert ev(spec, {"items": items}) == [items[1]]

    def test_filter_default_variable_and_limit(self):
        spec = {"$filter": {"input": [1, 5, 3, 7], "cond": {"$gt": ["$$this", 2]}, "limit": 2}}
        assert ev(spec) == [5, 3]
        assert ev({"$filter": {"input": [1, 5], "cond": True, "limit": None}}) == [1, 5]

    def test_filter_errors(self):
        assert ev({"$filter": {"input": "$nope", "cond": True}}) is None
        assert err({"$filter": {"input": 1, "cond": True}}).code == 28651
        assert compile_err({"$filter": {"cond": True}}).code == 28648
        assert compile_err({"$filter": {"input": []}}).code == 28650
        assert compile_err({"$filter": {"input": [], "cond": 1, "x": 1}}).code == 28647
        assert err({"$filter": {"input": [1], "cond": True, "limit": 0}}).code == 327392

    def test_filter_variable_is_scoped(self):
        assert compile_err({"$filter": {"input": [1], "as": "x", "cond": "$$y"}}).code == 17276

    def test_map(self):
        assert ev({"$map": {"input": "$quizzes", "as": "grade",
                            "in": {"$add": ["$$grade", 2]}}}, {"quizzes": [5, 6, 7]}) == [7, 8, 9]
        assert ev({"$map": {"input": [1, 2], "in": {"$multiply": ["$$this", 10]}}}) == [10, 20]
        assert ev({"$map": {"input": [{"a": 1}, {}], "in": "$$this.a"}}) == [1, None]
        assert ev({"$map": {"input": None, "in": 1}}) is None
        assert err({"$map": {"input": 1, "in": 1}}).code == 16883
        assert compile_err({"$map": {"in": 1}}).code == 16880
        assert compile_err({"$map": {"input": []}}).code == 16882

    def test_reduce(self):
        assert ev({"$reduce": {"input": ["a", "b", "c"], "initialValue": "",
                               "in": {"$concat": ["$$value", "$$this"]}}}) == "abc"
        assert ev({"$reduce": {"input": [1, 2, 3, 4], "initialValue": {"sum": 5, "product": 2},
                               "in": {"sum": {"$add": ["$$value.sum", "$$this"]},
                                      "product": {"$multiply": ["$$value.product", "$$this"]}}}}
                  ) == {"sum": 15, "product": 48}
        assert ev({"$reduce": {"input": [[3, 4], [5, 6]], "initialValue": [1, 2],
                               "in": {"$concatArrays": ["$$value", "$$this"]}}}) == \
            [1, 2, 3, 4, 5, 6]
        assert ev({"$reduce": {"input": [], "initialValue": 0, "in": 1}}) == 0
        assert ev({"$reduce": {"input": None, "initialValue": 0, "in": 1}}) is None
        assert err({"$reduce": {"input": 1, "initialValue": 0, "in": 1}}).code == 40080
        assert compile_err({"$reduce": {"initialValue": 0, "in": 1}}).code == 40077
        assert compile_err({"$reduce": {"input": [], "in": 1}}).code == 40078
        assert compile_err({"$reduce": {"input": [], "initialValue": 0}}).code == 40079


class TestSearch:
    def test_in(self):
        doc = {"in_stock": ["apples", "oranges"]}
        assert ev({"$in": ["apples", "$in_stock"]}, doc) is True
        assert ev({"$in": ["bananas", "$in_stock"]}, doc) is False
        assert ev({"$in": [1.0, [1, 2]]}) is True
        assert ev({"$in": [None, [None]]}) is True
        assert ev({"$in": ["$nope", [None]]}) is False
        e = err({"$in": [1, "$nope"]})
        assert (e.code, e.errmsg) == (40081, "$in requires an array as a second argument, found: "
                                             "missing")

    def test_index_of_array(self):
        assert ev({"$indexOfArray": [["a", "abc"], "a"]}) == 0
        assert ev({"$indexOfArray": [["a", "abc", "de", ["de"]], ["de"]]}) == 3
        assert ev({"$indexOfArray": [[1, 2], 5]}) == -1
        assert ev({"$indexOfArray": [[1, 2, 3, 2], 2, 2]}) == 3
        assert ev({"$indexOfArray": [[1, 2, 3, 2], 2, 0, 1]}) == -1
        assert ev({"$indexOfArray": [None, 1]}) is None
        assert err({"$indexOfArray": [1, 1]}).code == 40090
        assert err({"$indexOfArray": [[1], 1, -1]}).code == 40097
        assert compile_err({"$indexOfArray": [[1]]}).code == 28667

    def test_is_array(self):
        assert ev({"$isArray": [[1]]}) is True
        assert ev({"$isArray": ["$nope"]}) is False
        assert ev({"$isArray": "$a"}, {"a": [1]}) is True


class TestObjectsAndArrays:
    def test_object_to_array(self):
        doc = {"dimensions": {"l": 25, "w": 10, "uom": "cm"}}
        assert ev({"$objectToArray": "$dimensions"}, doc) == \
            [{"k": "l", "v": 25}, {"k": "w", "v": 10}, {"k": "uom", "v": "cm"}]
        assert ev({"$objectToArray": "$nope"}) is None
        assert err({"$objectToArray": [[1]]}).code == 40390

    def test_array_to_object(self):
        assert ev({"$arrayToObject": [[["item", "abc123"], ["qty", 25]]]}) == \
            {"item": "abc123", "qty": 25}
        assert ev({"$arrayToObject": [[{"k": "item", "v": "abc123"}, {"k": "qty", "v": 25}]]}) \
            == {"item": "abc123", "qty": 25}
        assert ev({"$arrayToObject": [[["a", 1], ["b", 2], ["a", 3]]]}) == {"a": 3, "b": 2}
        assert ev({"$arrayToObject": [[]]}) == {}
        assert ev({"$arrayToObject": "$nope"}) is None

    def test_array_to_object_errors(self):
        assert err({"$arrayToObject": [[1]]}).code == 40398
        assert err({"$arrayToObject": [[["a", 1], {"k": "b", "v": 2}]]}).code == 40396
        assert err({"$arrayToObject": [[["a", 1, 2]]]}).code == 40397
        assert err({"$arrayToObject": [[[1, 1]]]}).code == 40395
        assert err({"$arrayToObject": [[{"k": "a"}]]}).code == 40392
        assert err({"$arrayToObject": [[{"k": "a", "x": 1}]]}).code == 40393
        assert err({"$arrayToObject": [[{"k": 1, "v": 1}]]}).code == 40394
        assert err({"$arrayToObject": 1}).code == 40386


class TestSortArray:
    TEAM = [{"name": "pat", "age": 30, "address": {"street": "12 Baker St", "city": "London"}},
            {"name": "dallas", "age": 36, "address": {"street": "12 Cowper St",
                                                      "city": "Palo Alto"}},
            {"name": "charlie", "age": 42, "address": {"street": "12 French St",
                                                       "city": "New Brunswick"}}]

    def test_by_field(self):
        out = ev({"$sortArray": {"input": "$team", "sortBy": {"name": 1}}}, {"team": self.TEAM})
        assert [m["name"] for m in out] == ["charlie", "dallas", "pat"]

    def test_by_subfield_descending(self):
        out = ev({"$sortArray": {"input": "$team", "sortBy": {"address.city": -1}}},
                 {"team": self.TEAM})
        assert [m["address"]["city"] for m in out] == ["Palo Alto", "New Brunswick", "London"]

    def test_whole_values_and_mixed_types(self):
        assert ev({"$sortArray": {"input": [1, 4, 1, 6, 12, 5], "sortBy": 1}}) == \
            [1, 1, 4, 5, 6, 12]
        mixed = [20, 4, {"a": "Free"}, 6, 21, 5, "Gratis", {"a": None},
                 {"a": {"sale": True, "price": 19}}, 10.23, {"a": "On sale"}]
        assert ev({"$sortArray": {"input": mixed, "sortBy": 1}}) == \
            [4, 5, 6, 10.23, 20, 21, "Gratis", {"a": None}, {"a": "Free"}, {"a": "On sale"},
             {"a": {"sale": True, "price": 19}}]

    def test_errors(self):
        assert ev({"$sortArray": {"input": "$nope", "sortBy": 1}}) is None
        assert err({"$sortArray": {"input": 1, "sortBy": 1}}).code == 2942504
        assert compile_err({"$sortArray": {"input": []}}).code == 2942503
        assert compile_err({"$sortArray": {"sortBy": 1}}).code == 2942502
        assert compile_err({"$sortArray": {"input": [], "sortBy": 2}}).code == 2942506
        assert compile_err({"$sortArray": 1}).code == 2942500


class TestNOperators:
    def test_first_last_n(self):
        assert ev({"$firstN": {"n": 2, "input": [10, 20, 30]}}) == [10, 20]
        assert ev({"$lastN": {"n": 2, "input": [10, 20, 30]}}) == [20, 30]
        assert ev({"$firstN": {"n": 5, "input": [10, None]}}) == [10, None]

    def test_max_min_n_skip_nulls(self):
        assert ev({"$maxN": {"n": 2, "input": [3, None, 1, 5]}}) == [5, 3]
        assert ev({"$minN": {"n": 2, "input": [3, None, 1, 5]}}) == [1, 3]

    def test_errors(self):
        assert err({"$firstN": {"n": 0, "input": [1]}}).code == 5787908
        assert err({"$firstN": {"n": "a", "input": [1]}}).code == 5787902
        assert err({"$firstN": {"n": 1, "input": 1}}).code == 5788200
        assert compile_err({"$firstN": {"input": [1]}}).code == 5787906
        assert compile_err({"$firstN": {"n": 1}}).code == 5787907
        assert compile_err({"$firstN": {"n": 1, "input": [], "x": 1}}).code == 5787901

    def test_error_wording_from_accumulator_multi_cpp(self):
        # AccumulatorN::validateN: a non-number is 5787902, a non-integral number 5787903
        e = err({"$firstN": {"n": 1.5, "input": [1]}})
        assert (e.code, e.details["errmsg"]) == (5787903, "Value for 'n' must be of integral type, but "
                                             "found 1.5")
        e = err({"$maxN": {"n": "a", "input": [1]}})
        assert (e.code, e.details["errmsg"]) == (5787902, "Value for 'n' must be of integral type, but "
                                             "found \"a\"")
        assert ev({"$lastN": {"n": 2.0, "input": [1, 2, 3]}}) == [2, 3]
        e = err({"$minN": {"n": -2, "input": [1]}})
        assert (e.code, e.details["errmsg"]) == (5787908, "'n' must be greater than 0, found -2")
        # the spec-not-an-object check: 5787801 ($firstN/$lastN), 5787900 ($minN/$maxN)
        e = compile_err({"$firstN": 3})
        assert (e.code, e.details["errmsg"]) == (5787801, "specification must be an object; found $firstN: 3")
        e = compile_err({"$lastN": "x"})
        assert (e.code, e.details["errmsg"]) == (5787801, 'specification must be an object; found $lastN: "x"')
        e = compile_err({"$maxN": [1]})
        assert (e.code, e.details["errmsg"]) == (5787900, "specification must be an object; found $maxN: [ 1 ]")
        e = compile_err({"$minN": {"n": 1, "input": [], "x": 1}})
        assert e.details["errmsg"] == "Unknown argument for 'n' operator: x"

    def test_manual_examples(self):
        # manual, $minN (array operator) / $maxN / $firstN / $lastN examples
        doc = {"playerId": 1, "score": [1, 2, 3]}
        assert ev({"$minN": {"n": 2, "input": "$score"}}, doc) == [1, 2]
        assert ev({"$maxN": {"n": 2, "input": "$score"}}, doc) == [3, 2]
        doc = {"playerId": 4, "score": [12, None, 8]}
        assert ev({"$minN": {"n": 2, "input": "$score"}}, doc) == [8, 12]
        assert ev({"$firstN": {"n": 3, "input": [10, 20, 30, 40]}}) == [10, 20, 30]
        assert ev({"$lastN": {"n": 3, "input": [10, 20, 30, 40]}}) == [20, 30, 40]
