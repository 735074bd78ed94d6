"""Generate the README's coverage table from mim's operator registries.

    python scripts/coverage_table.py            # print the table
    python scripts/coverage_table.py --write    # replace the block in README.md
    python scripts/coverage_table.py --check    # exit 1 if README.md is stale

Every operator MongoDB 7.0 documents is listed; "supported" means it is in a
registry of the code, so the table cannot drift from what mim really runs.
"""

from __future__ import annotations

import argparse
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

START = "<!-- coverage:start -->"
END = "<!-- coverage:end -->"

#: What MongoDB 7.0's manual documents, by family.
DOCUMENTED: dict[str, dict[str, list[str]]] = {
    "Query operators": {
        "comparison": ["$eq", "$gt", "$gte", "$in", "$lt", "$lte", "$ne", "$nin"],
        "logical": ["$and", "$not", "$nor", "$or"],
        "element": ["$exists", "$type"],
        "evaluation": ["$expr", "$jsonSchema", "$mod", "$regex", "$text", "$where"],
        "geospatial": ["$geoIntersects", "$geoWithin", "$near", "$nearSphere", "$box",
                       "$center", "$centerSphere", "$geometry", "$maxDistance",
                       "$minDistance", "$polygon"],
        "array": ["$all", "$elemMatch", "$size"],
        "bitwise": ["$bitsAllClear", "$bitsAllSet", "$bitsAnyClear", "$bitsAnySet"],
        "miscellaneous": ["$comment"],
    },
    "Projection operators": {
        "projection": ["$", "$elemMatch", "$meta", "$slice"],
    },
    "Update operators": {
        "fields": ["$currentDate", "$inc", "$min", "$max", "$mul", "$rename", "$set",
                   "$setOnInsert", "$unset"],
        "array": ["$", "$[]", "$[<identifier>]", "$addToSet", "$pop", "$pull", "$push",
                  "$pullAll"],
        "modifiers": ["$each", "$position", "$slice", "$sort"],
        "bitwise": ["$bit"],
    },
    "Aggregation stages": {
        "stages": ["$addFields", "$bucket", "$bucketAuto", "$changeStream", "$collStats",
                   "$count", "$densify", "$documents", "$facet", "$fill", "$geoNear",
                   "$graphLookup", "$group", "$indexStats", "$limit", "$lookup", "$match",
                   "$merge", "$out", "$project", "$redact", "$replaceRoot", "$replaceWith",
                   "$sample", "$search", "$searchMeta", "$set", "$setWindowFields", "$skip",
                   "$sort", "$sortByCount", "$unionWith", "$unset", "$unwind",
                   "$vectorSearch"],
    },
    "Aggregation expression operators": {
        "arithmetic": ["$abs", "$add", "$ceil", "$divide", "$exp", "$floor", "$ln", "$log",
                       "$log10", "$mod", "$multiply", "$pow", "$round", "$sqrt", "$subtract",
                       "$trunc"],
        "array": ["$arrayElemAt", "$arrayToObject", "$concatArrays", "$filter", "$first",
                  "$firstN", "$in", "$indexOfArray", "$isArray", "$last", "$lastN", "$map",
                  "$maxN", "$minN", "$objectToArray", "$range", "$reduce", "$reverseArray",
                  "$size", "$slice", "$sortArray", "$zip"],
        "bitwise": ["$bitAnd", "$bitNot", "$bitOr", "$bitXor"],
        "boolean": ["$and", "$not", "$or"],
        "comparison": ["$cmp", "$eq", "$gt", "$gte", "$lt", "$lte", "$ne"],
        "conditional": ["$cond", "$ifNull", "$switch"],
        "custom (JavaScript)": ["$accumulator", "$function"],
        "data size": ["$binarySize", "$bsonSize"],
        "date": ["$dateAdd", "$dateDiff", "$dateFromParts", "$dateFromString",
                 "$dateSubtract", "$dateToParts", "$dateToString", "$dateTrunc",
                 "$dayOfMonth", "$dayOfWeek", "$dayOfYear", "$hour", "$isoDayOfWeek",
                 "$isoWeek", "$isoWeekYear", "$millisecond", "$minute", "$month", "$second",
                 "$week", "$year"],
        "literal": ["$literal"],
        "miscellaneous": ["$getField", "$rand", "$sampleRate", "$toHashedIndexKey"],
        "object": ["$mergeObjects", "$setField", "$unsetField"],
        "set": ["$allElementsTrue", "$anyElementTrue", "$setDifference", "$setEquals",
                "$setIntersection", "$setIsSubset", "$setUnion"],
        "string": ["$concat", "$indexOfBytes", "$indexOfCP", "$ltrim", "$regexFind",
                   "$regexFindAll", "$regexMatch", "$replaceOne", "$replaceAll", "$rtrim",
                   "$split", "$strLenBytes", "$strLenCP", "$strcasecmp", "$substr",
                   "$substrBytes", "$substrCP", "$toLower", "$toUpper", "$trim"],
        "text": ["$meta"],
        "timestamp": ["$tsIncrement", "$tsSecond"],
        "trigonometry": ["$sin", "$cos", "$tan", "$asin", "$acos", "$atan", "$atan2",
                         "$asinh", "$acosh", "$atanh", "$sinh", "$cosh", "$tanh",
                         "$degreesToRadians", "$radiansToDegrees"],
        "type": ["$convert", "$isNumber", "$toBool", "$toDate", "$toDecimal", "$toDouble",
                 "$toInt", "$toLong", "$toObjectId", "$toString", "$type"],
        "variable": ["$let"],
    },
    "Accumulators ($group, $setWindowFields)": {
        "accumulators": ["$accumulator", "$addToSet", "$avg", "$bottom", "$bottomN", "$count",
                         "$first", "$firstN", "$last", "$lastN", "$max", "$maxN", "$median",
                         "$mergeObjects", "$min", "$minN", "$percentile", "$push",
                         "$stdDevPop", "$stdDevSamp", "$sum", "$top", "$topN"],
        "window only": ["$covariancePop", "$covarianceSamp", "$denseRank", "$derivative",
                        "$documentNumber", "$expMovingAvg", "$integral", "$linearFill",
                        "$locf", "$rank", "$shift"],
    },
}


#: Registered so that they are parsed and checked as the server checks them, but never
#: run: mim has no JavaScript engine and answers as ``mongod --noscripting`` does. They
#: are not "supported", whatever the registries say.
NO_JAVASCRIPT = {"$where", "$function", "$accumulator"}


def _optional(module: str, name: str, default: object) -> object:
    try:
        mod = __import__(module, fromlist=[name])
        return getattr(mod, name)
    except (ImportError, AttributeError):
        return default


def supported_sets() -> dict[str, set[str]]:
    """Operator names each registry implements, keyed like DOCUMENTED."""
    from mim.engine.languages.matcher import FIELD_OPERATORS, TOP_LEVEL_OPERATORS
    document_ops = set(_optional("mim.engine.languages.matcher", "DOCUMENT_OPERATORS", {}))
    geo_syntax = set(_optional("mim.engine.languages.matcher", "GEO_OPERAND_SYNTAX", ()))
    from mim.engine.languages.projection import PROJECTION_OPERATORS

    update_ops = set(_optional("mim.engine.update", "UPDATE_OPERATORS", {}))
    update_extra = set(_optional("mim.engine.update", "UPDATE_SYNTAX", ()))
    stages = set(_optional("mim.engine.pipeline", "STAGES", {}))
    expressions = set(_optional("mim.engine.languages.expressions", "OPERATORS", {}))
    accumulators = set(_optional("mim.engine.pipeline.group", "ACCUMULATORS", {}))
    windows = set(_optional("mim.engine.pipeline", "WINDOW_FUNCTIONS", {}))
    windows |= set(_optional("mim.engine.pipeline.windows", "WINDOW_FUNCTIONS", {}))
    return {
        "Query operators": set(FIELD_OPERATORS) | set(TOP_LEVEL_OPERATORS) | document_ops
        | geo_syntax,
        "Projection operators": set(PROJECTION_OPERATORS),
        "Update operators": update_ops | update_extra,
        "Aggregation stages": stages,
        "Aggregation expression operators": expressions,
        "Accumulators ($group, $setWindowFields)": accumulators | windows,
    }


def build_table() -> str:
    supported = supported_sets()
    lines = []
    totals = []
    for section, families in DOCUMENTED.items():
        have = supported[section] - NO_JAVASCRIPT
        names = [n for ops in families.values() for n in ops]
        count = sum(1 for n in names if n in have)
        totals.append(f"{section}: {count}/{len(names)}")
        lines.append(f"\n#### {section} ({count} of {len(names)} supported)\n")
        lines.append("| family | supported | not yet |")
        lines.append("|---|---|---|")
        for family, ops in families.items():
            yes = " ".join(f"`{op}`" for op in ops if op in have) or "—"
            no = " ".join(f"`{op}`" + ("¹" if op in NO_JAVASCRIPT else "")
                          for op in ops if op not in have) or "—"
            lines.append(f"| {family} | {yes} | {no} |")
    summary = "Generated by `python scripts/coverage_table.py --write` from the code's " \
              "registries; " + "; ".join(totals) + "."
    footnote = ("\n¹ Server-side JavaScript: parsed and checked as the server checks it, "
                "then refused as by `mongod --noscripting` (mim has no JavaScript engine).")
    return "\n".join([summary] + lines + [footnote]) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    table = build_table()
    readme = ROOT / "README.md"
    if not (args.write or args.check):
        print(table)
        return 0
    text = readme.read_text()
    start, end = text.index(START) + len(START), text.index(END)
    updated = text[:start] + "\n" + table + text[end:]
    if args.check:
        if updated != text:
            print("README.md coverage table is stale: run python scripts/coverage_table.py "
                  "--write")
            return 1
        return 0
    readme.write_text(updated)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
