"""Date operators: the manual's examples, time zones, formats and date arithmetic."""

import pytest
from bson.int64 import Int64
from bson.objectid import ObjectId

from .helpers import compile_err, date, err, ev, same

D = date(2014, 1, 1, 8, 15, 39, 736)


class TestDateParts:
    @pytest.mark.parametrize("op, expected", [
        ("$year", 2014), ("$month", 1), ("$dayOfMonth", 1), ("$hour", 8), ("$minute", 15),
        ("$second", 39), ("$millisecond", 736), ("$dayOfYear", 1), ("$dayOfWeek", 4),
        ("$week", 0),
    ])
    def test_manual_example(self, op, expected):
        assert same(ev({op: "$date"}, {"date": D}), expected)

    def test_iso_parts(self):
        d = date(2016, 1, 1)  # a Friday in ISO week 53 of 2015
        assert ev({"$isoWeek": d}) == 53
        assert same(ev({"$isoWeekYear": d}), Int64(2015))
        assert ev({"$isoDayOfWeek": d}) == 5

    def test_timezone_argument(self):
        assert ev({"$hour": {"date": D, "timezone": "America/New_York"}}) == 3
        assert ev({"$hour": {"date": D, "timezone": "+04:30"}}) == 12
        assert ev({"$minute": {"date": D, "timezone": "+0430"}}) == 45
        assert ev({"$hour": {"date": D, "timezone": "-03"}}) == 5
        assert ev({"$dayOfMonth": {"date": D, "timezone": "Pacific/Honolulu"}}) == 31

    def test_array_and_expression_forms(self):
        assert ev({"$year": [D]}) == 2014
        assert ev({"$year": {"$add": [D, 365 * 86400000]}}) == 2015

    def test_objectid_and_null(self):
        assert ev({"$year": ObjectId("5ab9c3da31c2ab715d421285")}) == 2018
        assert ev({"$year": "$nope"}) is None
        assert ev({"$year": {"date": D, "timezone": None}}) is None

    def test_errors(self):
        e = err({"$year": "x"})
        assert (e.code, e.errmsg) == (16006, "can't convert from BSON type string to Date")
        e = err({"$year": {"date": D, "timezone": "Mars/Olympus"}})
        assert (e.code, e.errmsg) == (40485, 'unrecognized time zone identifier: "Mars/Olympus"')
        assert err({"$year": {"date": D, "timezone": 5}}).code == 40517
        assert compile_err({"$year": {"date": D, "zone": "UTC"}}).code == 40535
        assert compile_err({"$year": {"timezone": "UTC"}}).code == 40539
        assert compile_err({"$year": [D, D]}).code == 40536


class TestDateToString:
    def test_manual_example(self):
        doc = {"date": D}
        assert ev({"$dateToString": {"format": "%Y-%m-%d", "date": "$date"}}, doc) == \
            "2014-01-01"
        assert ev({"$dateToString": {"format": "%H:%M:%S:%L%z", "date": "$date",
                                     "timezone": "America/New_York"}}, doc) == \
            "03:15:39:736-0500"
        assert ev({"$dateToString": {"format": "%H:%M:%S:%L%z", "date": "$date",
                                     "timezone": "+04:30"}}, doc) == "12:45:39:736+0430"
        assert ev({"$dateToString": {"format": "%Z", "date": "$date",
                                     "timezone": "America/New_York"}}, doc) == "-300"
        assert ev({"$dateToString": {"format": "%Z", "date": "$date",
                                     "timezone": "+04:30"}}, doc) == "270"
        assert ev({"$dateToString": {"format": "%b", "date": "$date"}}, doc) == "Jan"
        assert ev({"$dateToString": {"format": "%B", "date": "$date"}}, doc) == "January"

    def test_default_format(self):
        assert ev({"$dateToString": {"date": D}}) == "2014-01-01T08:15:39.736Z"

    def test_other_specifiers(self):
        assert ev({"$dateToString": {"format": "%j %w %u %U %V %G %%", "date": D}}) == \
            "001 4 3 00 01 2014 %"

    def test_null_and_on_null(self):
        assert ev({"$dateToString": {"date": "$nope"}}) is None
        assert ev({"$dateToString": {"date": None, "onNull": "none"}}) == "none"
        assert ev({"$dateToString": {"date": D, "format": None}}) is None

    def test_errors(self):
        assert compile_err({"$dateToString": {"format": "%Y"}}).code == 18628
        assert compile_err({"$dateToString": {"date": D, "x": 1}}).code == 18534
        assert compile_err({"$dateToString": "x"}).code == 18629
        e = compile_err({"$dateToString": {"date": D, "format": "%Q"}})
        assert (e.code, e.errmsg) == (18536, "Invalid format character '%Q' in format string")
        assert compile_err({"$dateToString": {"date": D, "format": "abc%"}}).code == 18535
        assert err({"$dateToString": {"date": D, "format": 5}}).code == 18533


class TestDateParts2:
    def test_date_to_parts(self):
        d = date(2017, 1, 1, 1, 29, 9, 123)
        assert ev({"$dateToParts": {"date": d}}) == {
            "year": 2017, "month": 1, "day": 1, "hour": 1, "minute": 29, "second": 9,
            "millisecond": 123}
        assert ev({"$dateToParts": {"date": d, "iso8601": True}}) == {
            "isoWeekYear": 2016, "isoWeek": 52, "isoDayOfWeek": 7, "hour": 1, "minute": 29,
            "second": 9, "millisecond": 123}
        assert ev({"$dateToParts": {"date": d, "timezone": "America/New_York"}}) == {
            "year": 2016, "month": 12, "day": 31, "hour": 20, "minute": 29, "second": 9,
            "millisecond": 123}
        assert err({"$dateToParts": {"date": d, "iso8601": 1}}).code == 40521
        assert compile_err({"$dateToParts": {}}).code == 40522

    def test_date_from_parts(self):
        assert ev({"$dateFromParts": {"year": 2017, "month": 2, "day": 8, "hour": 12}}) == \
            date(2017, 2, 8, 12)
        assert ev({"$dateFromParts": {"isoWeekYear": 2017, "isoWeek": 6, "isoDayOfWeek": 3,
                                      "hour": 12}}) == date(2017, 2, 8, 12)
        assert ev({"$dateFromParts": {"year": 2016, "month": 12, "day": 31, "hour": 23,
                                      "minute": 46, "second": 12,
                                      "timezone": "America/New_York"}}) == date(2017, 1, 1, 4, 46,
                                                                                12)

    def test_date_from_parts_carries_out_of_range_values(self):
        assert ev({"$dateFromParts": {"year": 2017, "month": 14, "day": 1, "hour": 12}}) == \
            date(2018, 2, 1, 12)
        assert ev({"$dateFromParts": {"year": 2017, "month": 0, "day": 1}}) == date(2016, 12, 1)
        assert ev({"$dateFromParts": {"year": 2017, "month": 3, "day": 0}}) == date(2017, 2, 28)
        assert ev({"$dateFromParts": {"year": 2017, "hour": -1}}) == date(2016, 12, 31, 23)

    def test_date_from_parts_nulls_and_errors(self):
        assert ev({"$dateFromParts": {"year": 2017, "month": None}}) is None
        assert compile_err({"$dateFromParts": {"month": 1}}).code == 40516
        assert compile_err({"$dateFromParts": {"year": 2017, "isoWeek": 1}}).code == 40489
        assert compile_err({"$dateFromParts": {"isoWeekYear": 2017, "day": 1}}).code == 40525
        assert compile_err({"$dateFromParts": {"year": 2017, "x": 1}}).code == 40518
        assert err({"$dateFromParts": {"year": 0}}).code == 40523
        assert err({"$dateFromParts": {"year": 2017, "month": 40000}}).code == 31034
        assert err({"$dateFromParts": {"year": 2017, "month": 1.5}}).code == 40515


class TestDateFromString:
    def test_manual_examples(self):
        assert ev({"$dateFromString": {"dateString": "2017-02-08T12:10:40.787",
                                       "timezone": "America/New_York"}}) == \
            date(2017, 2, 8, 17, 10, 40, 787)
        assert ev({"$dateFromString": {"dateString": "06-15-2018", "format": "%m-%d-%Y"}}) == \
            date(2018, 6, 15)
        assert ev({"$dateFromString": {"dateString": "15-06-2018", "format": "%d-%m-%Y"}}) == \
            date(2018, 6, 15)

    def test_offsets_in_the_string(self):
        assert ev({"$dateFromString": {"dateString": "2017-02-08T12:10:40Z"}}) == \
            date(2017, 2, 8, 12, 10, 40)
        assert ev({"$dateFromString": {"dateString": "2017-02-08T12:10:40+02:00"}}) == \
            date(2017, 2, 8, 10, 10, 40)

    def test_on_null_and_on_error(self):
        assert ev({"$dateFromString": {"dateString": None, "onNull": 0}}) == 0
        assert ev({"$dateFromString": {"dateString": "$nope"}}) is None
        assert ev({"$dateFromString": {"dateString": "not a date", "onError": "bad"}}) == "bad"
        assert ev({"$dateFromString": {"dateString": 5, "onError": "bad"}}) == "bad"

    def test_errors(self):
        assert err({"$dateFromString": {"dateString": "not a date"}}).code == 241
        assert err({"$dateFromString": {"dateString": "2017-02-08T12:10:40Z",
                                        "timezone": "Europe/London"}}).code == 241
        assert err({"$dateFromString": {"dateString": "2017-02"}}).code == 241
        assert compile_err({"$dateFromString": {}}).code == 40542
        assert compile_err({"$dateFromString": {"dateString": "x", "y": 1}}).code == 40541
        assert err({"$dateFromString": {"dateString": "x", "format": "%Q"}}).code == 18536


class TestDateArithmetic:
    def test_date_add(self):
        assert ev({"$dateAdd": {"startDate": date(2020, 10, 31, 12, 10, 5), "unit": "day",
                                "amount": 3}}) == date(2020, 11, 3, 12, 10, 5)
        assert ev({"$dateAdd": {"startDate": date(2020, 1, 31), "unit": "month",
                                "amount": 1}}) == date(2020, 2, 29)
        assert ev({"$dateAdd": {"startDate": date(2020, 2, 29), "unit": "year",
                                "amount": 1}}) == date(2021, 2, 28)
        assert ev({"$dateAdd": {"startDate": date(2020, 1, 1), "unit": "quarter",
                                "amount": -1}}) == date(2019, 10, 1)
        assert ev({"$dateAdd": {"startDate": date(2020, 1, 1), "unit": "millisecond",
                                "amount": 1500}}) == date(2020, 1, 1, 0, 0, 1, 500)

    def test_date_add_across_daylight_saving_time(self):
        # hours are added in UTC, days on the local wall clock
        assert ev({"$dateAdd": {"startDate": date(2020, 11, 1, 5, 50, 2), "unit": "hour",
                                "amount": 1, "timezone": "America/New_York"}}) == \
            date(2020, 11, 1, 6, 50, 2)
        assert ev({"$dateAdd": {"startDate": date(2020, 10, 31, 16), "unit": "day",
                                "amount": 1, "timezone": "America/New_York"}}) == \
            date(2020, 11, 1, 17)

    def test_date_subtract(self):
        assert ev({"$dateSubtract": {"startDate": date(2021, 3, 31), "unit": "month",
                                     "amount": 1}}) == date(2021, 2, 28)
        assert ev({"$dateSubtract": {"startDate": date(2021, 1, 1), "unit": "week",
                                     "amount": 1}}) == date(2020, 12, 25)

    def test_date_add_nulls_and_errors(self):
        assert ev({"$dateAdd": {"startDate": None, "unit": "day", "amount": 1}}) is None
        assert ev({"$dateAdd": {"startDate": D, "unit": "day", "amount": "$nope"}}) is None
        assert err({"$dateAdd": {"startDate": "x", "unit": "day", "amount": 1}}).code == 5166403
        assert err({"$dateAdd": {"startDate": D, "unit": 1, "amount": 1}}).code == 5166404
        assert err({"$dateAdd": {"startDate": D, "unit": "day", "amount": 1.5}}).code == 5166405
        assert err({"$dateAdd": {"startDate": D, "unit": "days", "amount": 1}}).code == 9
        assert compile_err({"$dateAdd": {"startDate": D, "unit": "day"}}).code == 5166402
        assert compile_err({"$dateAdd": {"startDate": D, "unit": "day", "amount": 1,
                                         "x": 1}}).code == 5166401
        assert compile_err({"$dateAdd": 1}).code == 5166400

    def test_date_diff(self):
        assert same(ev({"$dateDiff": {"startDate": date(2020, 12, 31, 23),
                                      "endDate": date(2021, 1, 1, 1), "unit": "year"}}),
                    Int64(1))
        assert ev({"$dateDiff": {"startDate": date(2021, 1, 1), "endDate": date(2021, 3, 1),
                                 "unit": "month"}}) == 2
        assert ev({"$dateDiff": {"startDate": date(2021, 3, 1), "endDate": date(2021, 1, 1),
                                 "unit": "month"}}) == -2
        assert ev({"$dateDiff": {"startDate": date(2021, 1, 1), "endDate": date(2021, 1, 1, 23),
                                 "unit": "day"}}) == 0
        assert ev({"$dateDiff": {"startDate": date(2021, 1, 1), "endDate": date(2021, 1, 1, 0, 0,
                                                                                  1, 500),
                                 "unit": "millisecond"}}) == 1500
        assert ev({"$dateDiff": {"startDate": date(2021, 2, 3), "endDate": date(2021, 5, 20),
                                 "unit": "quarter"}}) == 1

    def test_date_diff_weeks_and_start_of_week(self):
        # 2022-01-01 is a Saturday, 2022-01-03 a Monday
        spec = {"startDate": date(2022, 1, 1), "endDate": date(2022, 1, 3), "unit": "week"}
        assert ev({"$dateDiff": spec}) == 1  # a Sunday boundary is crossed
        assert ev({"$dateDiff": {**spec, "startOfWeek": "monday"}}) == 1
        assert ev({"$dateDiff": {**spec, "startOfWeek": "tue"}}) == 0

    def test_date_diff_hours_across_daylight_saving_time(self):
        assert ev({"$dateDiff": {"startDate": date(2021, 3, 14, 6), "endDate": date(2021, 3, 14,
                                                                                       8),
                                 "unit": "hour", "timezone": "America/New_York"}}) == 2

    def test_date_diff_errors(self):
        assert err({"$dateDiff": {"startDate": 1, "endDate": D, "unit": "day"}}).code == 5166307
        assert err({"$dateDiff": {"startDate": D, "endDate": D, "unit": "days"}}).code == 5439014
        assert err({"$dateDiff": {"startDate": D, "endDate": D, "unit": 5}}).code == 5439013
        assert err({"$dateDiff": {"startDate": D, "endDate": D, "unit": "week",
                                  "startOfWeek": "someday"}}).code == 5439016
        e = err({"$dateDiff": {"startDate": D, "endDate": D, "unit": "day", "timezone": "X/Y"}})
        assert e.code == 40485 and e.errmsg.startswith(
            "$dateDiff parameter 'timezone' value parsing failed :: caused by :: ")
        assert compile_err({"$dateDiff": {"startDate": D, "endDate": D}}).code == 5166305
        assert ev({"$dateDiff": {"startDate": D, "endDate": None, "unit": "day"}}) is None

    def test_date_trunc_manual_example(self):
        assert ev({"$dateTrunc": {"date": date(2020, 5, 18, 14, 10, 30), "unit": "week",
                                  "binSize": 2, "timezone": "America/Los_Angeles",
                                  "startOfWeek": "Monday"}}) == date(2020, 5, 11, 7)
        assert ev({"$dateTrunc": {"date": date(2020, 5, 18, 14, 10, 30), "unit": "month",
                                  "binSize": 6}}) == date(2020, 1, 1)

    def test_date_trunc_units(self):
        d = date(2021, 3, 20, 11, 30, 5, 200)
        assert ev({"$dateTrunc": {"date": d, "unit": "year"}}) == date(2021, 1, 1)
        assert ev({"$dateTrunc": {"date": d, "unit": "quarter"}}) == date(2021, 1, 1)
        assert ev({"$dateTrunc": {"date": d, "unit": "day"}}) == date(2021, 3, 20)
        assert ev({"$dateTrunc": {"date": d, "unit": "hour"}}) == date(2021, 3, 20, 11)
        assert ev({"$dateTrunc": {"date": d, "unit": "minute", "binSize": 15}}) == \
            date(2021, 3, 20, 11, 30)
        assert ev({"$dateTrunc": {"date": d, "unit": "second"}}) == date(2021, 3, 20, 11, 30, 5)
        assert ev({"$dateTrunc": {"date": d, "unit": "week"}}) == date(2021, 3, 14)

    def test_date_trunc_errors(self):
        assert err({"$dateTrunc": {"date": D, "unit": "day", "binSize": 0}}).code == 5439018
        assert err({"$dateTrunc": {"date": D, "unit": "day", "binSize": 1.5}}).code == 5439017
        assert err({"$dateTrunc": {"date": 1, "unit": "day"}}).code == 5439012
        assert compile_err({"$dateTrunc": {"unit": "day"}}).code == 5439009
        assert compile_err({"$dateTrunc": {"date": D}}).code == 5439010
        assert compile_err({"$dateTrunc": {"date": D, "unit": "day", "x": 1}}).code == 5439008
        assert ev({"$dateTrunc": {"date": D, "unit": None}}) is None
