"""Set operators (the manual's examples)."""

from .helpers import compile_err, err, ev


def test_all_elements_true():
    assert ev({"$allElementsTrue": [[True, 1, "someString"]]}) is True
    assert ev({"$allElementsTrue": [[[False]]]}) is True
    assert ev({"$allElementsTrue": [[]]}) is True
    assert ev({"$allElementsTrue": [[None, False, 0]]}) is False
    assert err({"$allElementsTrue": ["$nope"]}).code == 17040


def test_any_element_true():
    assert ev({"$anyElementTrue": [[True, False]]}) is True
    assert ev({"$anyElementTrue": [[[False]]]}) is True
    assert ev({"$anyElementTrue": [[None, False, 0]]}) is False
    assert ev({"$anyElementTrue": [[]]}) is False
    assert err({"$anyElementTrue": [1]}).code == 17041


def test_set_equals():
    assert ev({"$setEquals": [["a", "b", "a"], ["b", "a"]]}) is True
    assert ev({"$setEquals": [["a", "b"], [["a", "b"]]]}) is False
    assert ev({"$setEquals": [[1], [1.0], [1]]}) is True
    assert compile_err({"$setEquals": [[1]]}).code == 17045
    assert err({"$setEquals": [[1], None]}).code == 17044


def test_set_intersection():
    assert ev({"$setIntersection": [["a", "b", "a"], ["b", "a"]]}) == ["a", "b"]
    assert ev({"$setIntersection": [["a", "b"], [["a", "b"]]]}) == []
    assert ev({"$setIntersection": [[3, 1, 2, 2], [2, 3]]}) == [2, 3]
    assert ev({"$setIntersection": []}) == []
    assert ev({"$setIntersection": [[1], "$nope"]}) is None
    assert err({"$setIntersection": [[1], 1]}).code == 17047


def test_set_union():
    assert ev({"$setUnion": [["a", "b", "a"], ["b", "a"]]}) == ["a", "b"]
    assert ev({"$setUnion": [["a", "b"], [["a", "b"]]]}) == ["a", "b", ["a", "b"]]
    assert ev({"$setUnion": [[3, 1], [2, 1.0]]}) == [1, 2, 3]
    assert ev({"$setUnion": [[1], None]}) is None
    assert err({"$setUnion": [[1], "x"]}).code == 17043


def test_set_difference():
    assert ev({"$setDifference": [["a", "b", "a"], ["b", "a"]]}) == []
    assert ev({"$setDifference": [["a", "b"], [["a", "b"]]]}) == ["a", "b"]
    assert ev({"$setDifference": [["c", "a", "c", "b"], ["b"]]}) == ["c", "a"]
    assert ev({"$setDifference": [None, [1]]}) is None
    assert err({"$setDifference": [1, [1]]}).code == 17048
    assert err({"$setDifference": [[1], 1]}).code == 17049


def test_set_is_subset():
    assert ev({"$setIsSubset": [["a", "b", "a"], ["b", "a"]]}) is True
    assert ev({"$setIsSubset": [["a", "b"], [["a", "b"]]]}) is False
    assert ev({"$setIsSubset": [[], [1]]}) is True
    assert err({"$setIsSubset": [None, [1]]}).code == 17046
    assert err({"$setIsSubset": [[1], None]}).code == 17042
