"""The benchmark harness measures every peer under equal conditions
(``benchmarks.isolation``): each in a fresh process of its own that imports no
other peer, the peers' order rotated from round to round, each row the best of
the rounds.  No timing is asserted here, only how the measurements are taken."""

import pathlib
import re
import subprocess
import sys

from benchmarks.isolation import best_rows, rotations

ROOT = pathlib.Path(__file__).resolve().parents[1]
#: a tiny collection and budget: the harness is checked, not the speed
TINY = ["--docs", "200", "--budget", "0.005"]


def test_each_round_starts_with_another_peer() -> None:
    assert rotations(["mim", "mongita", "limit"], 4) == [
        ["mim", "mongita", "limit"], ["mongita", "limit", "mim"],
        ["limit", "mim", "mongita"], ["mim", "mongita", "limit"]]


def test_a_row_keeps_its_lowest_value_over_the_rounds() -> None:
    rounds = [{"insert_one": 12.0, "aggregate": None, "scan": 7.0},
              {"insert_one": 10.5, "aggregate": None, "scan": 9.0}]
    assert best_rows(rounds) == {"insert_one": 10.5, "aggregate": None, "scan": 7.0}
    # a round that could not measure a row does not hide another round's value
    assert best_rows([{"scan": None}, {"scan": 3.0}, {"scan": None}]) == {"scan": 3.0}


def test_bench_core_interleaves_the_peers_in_fresh_processes() -> None:
    result = subprocess.run([sys.executable, "-m", "benchmarks.bench_core", *TINY,
                             "--rounds", "2", "--peers", "mim,limit"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    done = re.findall(r"# (\w+): round (\d)/2 done \(pid (\d+), peers' modules loaded: "
                      r"(\w+)\)", result.stdout)
    assert [(peer, number, loaded) for peer, number, _, loaded in done] == [
        ("mim", "1", "mim"), ("limit", "1", "none"), ("limit", "2", "none"), ("mim", "2", "mim")]
    assert len({pid for _, _, pid, _ in done}) == 4
    assert "| insert_one | µs/doc |" in result.stdout
    assert "differently" not in result.stdout
