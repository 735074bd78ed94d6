"""``python -m conformance.unified [folder ...]``: run the spec tests against mim.

Prints the per-folder summary (passed / applicable, known gaps, failing, fixed gaps,
not applicable).  ``-v`` lists every failing test with its message, ``--why-na``
the reasons tests are not applicable, ``--remove-fixed`` deletes passing tests from
known_gaps.toml, ``--suggest-gaps`` prints TOML groups for
failing tests that are not listed yet (to review before adding).  The exit status
is 1 when an unlisted test fails or a listed gap passes.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict

from . import (FAILED, FIXED_GAP, GAP, NOT_APPLICABLE, Tally, data_dir, mim_deployment,
               prepare_cases, execute)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance.unified",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", help="folders of the data directory (default all)")
    parser.add_argument("-v", "--verbose", action="store_true", help="show failing tests")
    parser.add_argument("--gaps", action="store_true", help="also show known-gap failures")
    parser.add_argument("--why-na", action="store_true", help="count not-applicable reasons")
    parser.add_argument("--suggest-gaps", action="store_true",
                        help="print TOML for unlisted failures")
    parser.add_argument("--remove-fixed", action="store_true",
                        help="delete passing tests from known_gaps.toml (the list shrinks)")
    parser.add_argument("-k", dest="keyword", help="only tests whose id contains this")
    args = parser.parse_args(argv)

    root = data_dir()
    if not root.is_dir():
        print(f"no spec data at {root} (set MIM_CONFORMANCE_DATA)", file=sys.stderr)
        return 2
    deployment = mim_deployment()
    cases = prepare_cases(args.folders or None, deployment)
    if args.keyword:
        cases = [c for c in cases if args.keyword in c.id]
    tally = Tally()
    failures: list[tuple[str, str, str]] = []
    reasons: Counter[str] = Counter()
    started = time.perf_counter()
    for case in cases:
        outcome, message = execute(case)
        tally.add(case.folder, outcome)
        if outcome == NOT_APPLICABLE:
            reasons[message or ""] += 1
        elif outcome in (FAILED, FIXED_GAP) or (outcome == GAP and args.gaps):
            failures.append((outcome, case.id, message or "passes: remove it from known_gaps"))
    elapsed = time.perf_counter() - started

    if args.verbose or args.gaps:
        for outcome, case_id, message in failures:
            first = message.strip().splitlines()[0] if message else ""
            print(f"[{outcome}] {case_id}\n    {first}")
        print()
    if args.why_na:
        for reason, count in reasons.most_common():
            print(f"{count:5}  {reason}")
        print()
    if args.suggest_gaps:
        groups: dict[str, list[str]] = defaultdict(list)
        for outcome, case_id, message in failures:
            if outcome == FAILED:
                groups[message.strip().splitlines()[0][:160]].append(case_id)
        for reason, ids in groups.items():
            print("[[gap]]\nwaits_for = \"?\"\nreason = " + json.dumps(reason))
            print("tests = [\n" + "".join(f"  {json.dumps(i)},\n" for i in ids) + "]\n")
    if args.remove_fixed:
        from .gaps import remove_fixed
        fixed = {case_id for outcome, case_id, _ in failures if outcome == FIXED_GAP}
        print(f"removed {remove_fixed(fixed)} fixed gaps from known_gaps.toml")
        failures = [f for f in failures if f[0] != FIXED_GAP]
    for line in tally.lines(f"MongoDB unified spec tests against mim (claims "
                            f"{deployment.version_text}, {deployment.topology}) "
                            f"from {root} in {elapsed:.1f}s"):
        print(line)
    return 1 if any(o in (FAILED, FIXED_GAP) for o, _, _ in failures) else 0


if __name__ == "__main__":
    sys.exit(main())
