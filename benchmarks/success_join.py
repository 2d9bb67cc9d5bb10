"""The success join of issue 13: 200 episodes over 300,000 successful logins, time and peak memory.

    python benchmarks/success_join.py            (make bench-success)

A week of an internet-facing login: 300,000 successes from 60,000 addresses and 40,000 accounts, and
200 brute-force bursts (15 failures each, from attacking addresses spread over the week; one in ten
followed by a success). Each approach runs in its own child process so its peak RSS (os.wait4) is its
own: bruteforce's detect_in_attempts (as-of join on source or account, then time), the cross join it
replaced (episodes x successes, filtered afterwards), and DuckDB SQL asked the same question (a join
on the address and a BETWEEN on time). The issue's budget: under 2 s and 500 MB.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EPISODES = 200
SUCCESSES = 300_000
BUDGET_S, BUDGET_MIB = 2.0, 500


def build(path: Path) -> None:
    """The attempt frame (ts, ip, user, failed, request_id, file, line, file_rank) as Parquet."""
    from datetime import UTC, datetime, timedelta

    import polars as pl

    start = datetime(2026, 11, 16, tzinfo=UTC)
    week = 7 * 86400
    rows_ts, rows_ip, rows_user, rows_failed = [], [], [], []
    for n in range(SUCCESSES):  # deterministic spread: no random module, same data every run
        rows_ts.append(start + timedelta(seconds=(n * 2.017) % week))
        rows_ip.append(f"10.{(n * 7) % 60_000 // 250}.{(n * 7) % 250}.{n % 3}")
        rows_user.append(f"user{(n * 13) % 40_000}")
        rows_failed.append(False)
    for e in range(EPISODES):
        base = (e * 3023.0) % (week - 600)
        ip = f"203.0.{e // 250}.{e % 250}"
        for i in range(15):
            rows_ts.append(start + timedelta(seconds=base + i * 4))
            rows_ip.append(ip)
            rows_user.append(f"victim{e}")
            rows_failed.append(True)
        if e % 10 == 0:
            rows_ts.append(start + timedelta(seconds=base + 70))
            rows_ip.append(ip)
            rows_user.append(f"victim{e}")
            rows_failed.append(False)
    count = len(rows_ts)
    frame = pl.DataFrame(
        {
            "ts": rows_ts,
            "ip": rows_ip,
            "user": rows_user,
            "failed": rows_failed,
            "request_id": [None] * count,
            "file": ["login.log"] * count,
            "line": list(range(1, count + 1)),
            "file_rank": [0] * count,
            "reason": [None] * count,
        },
        schema_overrides={"ts": pl.Datetime("us", "UTC"), "request_id": pl.String, "reason": pl.String},
    )
    frame.write_parquet(path)


def ours(path: str) -> dict:
    import polars as pl

    from forensics_cli.analyses import bruteforce

    joined = bruteforce.credit_successes
    spent = []

    def timed(*args):
        begin = time.perf_counter()
        result = joined(*args)
        spent.append(time.perf_counter() - begin)
        return result

    bruteforce.credit_successes = timed  # the join alone, inside the whole detection
    attempts = pl.read_parquet(path)
    begin = time.perf_counter()
    episodes = bruteforce.detect_in_attempts(attempts, bruteforce.Thresholds())
    whole = time.perf_counter() - begin
    return {"s": spent[0], "whole_s": whole, "succeeded": int(episodes["succeeded"].sum())}


def cross_join(path: str) -> dict:
    """The join bruteforce used before: every episode against every success, filtered afterwards."""
    from datetime import timedelta

    import polars as pl

    from forensics_cli.analyses.bruteforce import Thresholds, detect_in_attempts

    attempts = pl.read_parquet(path)
    episodes = detect_in_attempts(attempts, Thresholds())  # only for the episodes' keys and spans
    begin = time.perf_counter()
    wins = attempts.filter(~pl.col("failed")).select("ts", "ip", "user")
    keys = episodes.select(
        "first_seen",
        "last_seen",
        pl.col("ips").str.split(";").alias("_ip_set"),
        pl.int_range(pl.len()).alias("e"),
    )
    matched = (
        keys.join(wins, how="cross")
        .filter(pl.col("ts").is_between(pl.col("first_seen"), pl.col("last_seen") + timedelta(seconds=600)))
        .filter(pl.col("_ip_set").list.contains(pl.col("ip")))
        .group_by("e")
        .agg(pl.col("ts").min())
    )
    return {"s": time.perf_counter() - begin, "succeeded": matched.height}


def duckdb_sql(path: str) -> dict:
    """The same question in DuckDB: bursts per address (the episodes), then successes joined on it."""
    import duckdb

    begin = time.perf_counter()
    query = f"""
        WITH f AS (SELECT ip, min(ts) AS s, max(ts) AS e FROM '{path}' WHERE failed
                   GROUP BY ip HAVING count(*) >= 10),
             w AS (SELECT ts, ip FROM '{path}' WHERE NOT failed)
        SELECT f.ip, min(w.ts) FROM f JOIN w ON w.ip = f.ip AND w.ts BETWEEN f.s AND f.e + INTERVAL 10 MINUTE
        GROUP BY f.ip
    """
    rows = duckdb.sql(query).fetchall()
    return {"s": time.perf_counter() - begin, "succeeded": len(rows)}


APPROACHES = {
    "bruteforce (as-of join on source/account)": ours,
    "the cross join it replaced": cross_join,
    "DuckDB SQL (join on ip, BETWEEN on time)": duckdb_sql,
}


def _child(name: str, path: str) -> tuple[dict, float]:
    root = str(Path(__file__).resolve().parent.parent)
    code = (
        f"import json, sys; sys.path.insert(0, {root!r}); from benchmarks.success_join import APPROACHES; "
        f"print(json.dumps(APPROACHES[{name!r}]({path!r})))"
    )
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    out = process.stdout.read().decode() if process.stdout else ""
    if status != 0:
        return {"s": float("nan"), "error": status}, usage.ru_maxrss / 1024
    return json.loads(out.strip().splitlines()[-1]), usage.ru_maxrss / 1024


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "attempts.parquet")
        build(Path(path))
        results = {name: _child(name, path) for name in APPROACHES}
    base = results["bruteforce (as-of join on source/account)"][0]["s"]
    print(f"{EPISODES} episodes, {SUCCESSES:,} successes; budget {BUDGET_S} s and {BUDGET_MIB} MB\n")
    print("| approach | join s | ratio to bruteforce | whole detection s | peak RSS MiB | episodes got in |")
    print("|---|---|---|---|---|---|")
    for name, (result, rss) in results.items():
        ratio = result["s"] / base if base else float("nan")
        whole = f"{result['whole_s']:.2f}" if "whole_s" in result else "-"
        got_in = result.get("succeeded", "-")
        print(f"| {name} | {result['s']:.2f} | {ratio:.2f}x | {whole} | {rss:.0f} | {got_in} |")


if __name__ == "__main__":
    main()
