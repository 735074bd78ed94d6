"""String and regular-expression operators."""

import re

from bson.regex import Regex

from .helpers import compile_err, err, ev


class TestConcatSplit:
    def test_concat(self):
        assert ev({"$concat": ["$item", " - ", "$description"]},
                  {"item": "ABC1", "description": "product 1"}) == "ABC1 - product 1"
        assert ev({"$concat": ["a", "$nope"]}) is None
        assert ev({"$concat": []}) == ""
        e = err({"$concat": ["a", 1]})
        assert (e.code, e.errmsg) == (16702, "$concat only supports strings, not int")

    def test_split(self):
        assert ev({"$split": ["June-15-2013", "-"]}) == ["June", "15", "2013"]
        assert ev({"$split": ["banana split", "a"]}) == ["b", "n", "n", " split"]
        assert ev({"$split": ["headphone jack", "jack"]}) == ["headphone ", ""]
        assert ev({"$split": ["astronomical", "astro"]}) == ["", "nomical"]
        assert ev({"$split": ["pea green boat", "owl"]}) == ["pea green boat"]
        assert ev({"$split": [None, "x"]}) is None
        assert err({"$split": ["headphone jack", 7]}).code == 40086
        assert err({"$split": [1, "a"]}).code == 40085
        assert err({"$split": ["abc", ""]}).code == 40087


class TestIndexOf:
    def test_index_of_bytes(self):
        assert ev({"$indexOfBytes": ["cafeteria", "e"]}) == 3
        assert ev({"$indexOfBytes": ["cafétéria", "é"]}) == 3
        assert ev({"$indexOfBytes": ["cafétéria", "e"]}) == -1
        assert ev({"$indexOfBytes": ["cafétéria", "t"]}) == 5
        assert ev({"$indexOfBytes": ["foo.bar.fi", ".", 5]}) == 7
        assert ev({"$indexOfBytes": ["vanilla", "ll", 0, 2]}) == -1
        assert ev({"$indexOfBytes": ["vanilla", "nilla", 3]}) == -1
        assert ev({"$indexOfBytes": ["vanilla", "ll", 12]}) == -1
        assert ev({"$indexOfBytes": ["vanilla", "ll", 5, 2]}) == -1
        assert ev({"$indexOfBytes": ["", ""]}) == 0
        assert ev({"$indexOfBytes": [None, "a"]}) is None
        assert err({"$indexOfBytes": ["vanilla", "ll", -1]}).code == 40097
        assert err({"$indexOfBytes": ["vanilla", "ll", 1.5]}).code == 40096
        assert err({"$indexOfBytes": [1, "a"]}).code == 40091
        assert err({"$indexOfBytes": ["a", None]}).code == 40092

    def test_index_of_cp(self):
        assert ev({"$indexOfCP": ["cafétéria", "é"]}) == 3
        assert ev({"$indexOfCP": ["cafétéria", "e"]}) == -1
        assert ev({"$indexOfCP": ["cafétéria", "t"]}) == 4
        assert ev({"$indexOfCP": ["寿司", "司"]}) == 1
        assert ev({"$indexOfCP": ["vanilla", "ll", 0, 2]}) == -1
        assert err({"$indexOfCP": ["a", 1]}).code == 40094


class TestLengthsAndSubstrings:
    def test_lengths(self):
        assert ev({"$strLenBytes": "éclair"}) == 7
        assert ev({"$strLenBytes": "寿司"}) == 6
        assert ev({"$strLenCP": "寿司"}) == 2
        assert ev({"$strLenCP": "éclair"}) == 6
        assert err({"$strLenBytes": "$nope"}).code == 34473
        assert err({"$strLenCP": 1}).code == 34471

    def test_substr_bytes(self):
        assert ev({"$substrBytes": ["$quarter", 0, 2]}, {"quarter": "13Q1"}) == "13"
        assert ev({"$substrBytes": ["$quarter", 2, -1]}, {"quarter": "13Q1"}) == "Q1"
        assert ev({"$substr": ["abc", 1, 1]}) == "b"
        assert ev({"$substrBytes": ["abc", 5, 1]}) == ""
        assert ev({"$substrBytes": [None, 0, 1]}) == ""
        assert ev({"$substrBytes": [12345, 1, 2]}) == "23"
        assert err({"$substrBytes": ["éa", 1, 1]}).code == 28656
        assert err({"$substrBytes": ["éa", 0, 1]}).code == 28657
        assert err({"$substrBytes": ["abc", -1, 1]}).code == 50752
        assert err({"$substrBytes": ["abc", "a", 1]}).code == 16034

    def test_substr_cp(self):
        assert ev({"$substrCP": ["寿司sushi", 0, 3]}) == "寿司s"
        assert ev({"$substrCP": ["abc", 1, 10]}) == "bc"
        assert err({"$substrCP": ["abc", 0, -1]}).code == 34454
        assert err({"$substrCP": ["abc", -1, 1]}).code == 34455
        assert err({"$substrCP": ["abc", 0.5, 1]}).code == 34451


class TestCase:
    def test_to_lower_upper(self):
        assert ev({"$toLower": "ABC1"}) == "abc1"
        assert ev({"$toUpper": "abc1"}) == "ABC1"
        assert ev({"$toUpper": "$nope"}) == ""
        assert ev({"$toUpper": 12}) == "12"

    def test_only_ascii_letters_change(self):
        assert ev({"$toUpper": "éa"}) == "éA"

    def test_strcasecmp(self):
        assert ev({"$strcasecmp": ["13Q1", "13q4"]}) == -1
        assert ev({"$strcasecmp": ["13Q4", "13q4"]}) == 0
        assert ev({"$strcasecmp": ["b", "A"]}) == 1
        assert ev({"$strcasecmp": [None, ""]}) == 0


class TestTrimReplace:
    def test_trim(self):
        assert ev({"$trim": {"input": "  \n good  bread  \t "}}) == "good  bread"
        assert ev({"$ltrim": {"input": "  x  "}}) == "x  "
        assert ev({"$rtrim": {"input": "  x  "}}) == "  x"
        assert ev({"$trim": {"input": "ggood breadg", "chars": "g"}}) == "ood bread"
        assert ev({"$trim": {"input": "$nope"}}) is None
        assert ev({"$trim": {"input": "a", "chars": None}}) is None

    def test_trim_errors(self):
        assert err({"$trim": {"input": 1}}).code == 50699
        assert err({"$trim": {"input": "a", "chars": 1}}).code == 50700
        assert compile_err({"$trim": {"chars": "a"}}).code == 50695
        assert compile_err({"$trim": {"input": "a", "x": 1}}).code == 50694
        assert compile_err({"$trim": "a"}).code == 50696

    def test_replace(self):
        assert ev({"$replaceOne": {"input": "blue paint", "find": "blue", "replacement": "red"}}) \
            == "red paint"
        assert ev({"$replaceOne": {"input": "a a a", "find": "a", "replacement": "b"}}) == "b a a"
        assert ev({"$replaceAll": {"input": "a a a", "find": "a", "replacement": "b"}}) == "b b b"
        assert ev({"$replaceAll": {"input": "abc", "find": "", "replacement": "-"}}) == "-a-b-c-"
        assert ev({"$replaceOne": {"input": None, "find": "a", "replacement": "b"}}) is None
        assert err({"$replaceAll": {"input": 1, "find": "a", "replacement": "b"}}).code == 51746
        assert compile_err({"$replaceAll": {"input": "a", "find": "a"}}).code == 51747


class TestRegex:
    def test_regex_find(self):
        out = ev({"$regexFind": {"input": "$description", "regex": "line"}},
                 {"description": "First lines\nsecond line"})
        assert out == {"match": "line", "idx": 6, "captures": []}
        assert ev({"$regexFind": {"input": "abc", "regex": "x"}}) is None

    def test_regex_object_with_options(self):
        out = ev({"$regexFind": {"input": "Single LINE", "regex": Regex("line", "i")}})
        assert out["match"] == "LINE"
        assert ev({"$regexFind": {"input": "Single LINE", "regex": "line", "options": "i"}})[
            "idx"] == 7

    def test_captures_and_code_point_index(self):
        out = ev({"$regexFind": {"input": "cafés fleurs", "regex": "(f)(x)?leurs"}})
        assert out == {"match": "fleurs", "idx": 6, "captures": ["f", None]}

    def test_regex_find_all(self):
        out = ev({"$regexFindAll": {"input": "cat bat rat", "regex": "([a-z])at"}})
        assert [(m["match"], m["idx"], m["captures"]) for m in out] == \
            [("cat", 0, ["c"]), ("bat", 4, ["b"]), ("rat", 8, ["r"])]
        assert ev({"$regexFindAll": {"input": "$nope", "regex": "a"}}) == []
        assert len(ev({"$regexFindAll": {"input": "ab", "regex": ""}})) == 2

    def test_regex_match(self):
        assert ev({"$regexMatch": {"input": "abc", "regex": "^a"}}) is True
        assert ev({"$regexMatch": {"input": "abc", "regex": "^b"}}) is False
        assert ev({"$regexMatch": {"input": None, "regex": "a"}}) is False

    def test_regex_errors(self):
        assert err({"$regexMatch": {"input": 1, "regex": "a"}}).code == 51104
        assert compile_err({"$regexMatch": {"input": "a", "regex": 1}}).code == 51105
        assert compile_err({"$regexMatch": {"input": "a", "regex": "a", "options": 1}}).code \
            == 51106
        assert compile_err({"$regexMatch": {"input": "a", "regex": Regex("a", "i"),
                                            "options": "m"}}).code == 51107
        assert compile_err({"$regexMatch": {"input": "a", "regex": "a", "options": "z"}}).code \
            == 51108
        assert compile_err({"$regexMatch": {"input": "a", "regex": "("}}).code == 51111
        assert compile_err({"$regexMatch": {"regex": "a"}}).code == 31022
        assert compile_err({"$regexMatch": {"input": "a"}}).code == 31023
        assert compile_err({"$regexMatch": {"input": "a", "regex": "a", "x": 1}}).code == 31024

    def test_python_pattern_objects_are_accepted(self):
        assert ev({"$regexMatch": {"input": "ABC", "regex": re.compile("b", re.I)}}) is True
