"""Lines of one request ID merged into attempts: the sorted-runs implementation against its definition."""

from datetime import UTC, datetime, timedelta

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from forensics_cli.analyses import auth
from forensics_cli.analyses.auth import MERGED_VALUES, SAME_ATTEMPT_S, hash_is_unique, merge_same_attempts

T0 = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
MERGED = ["ts", "ip", "user", "failed", "request_id", "file", "line", "file_rank", "reason"]
SCHEMA = {
    "ts": pl.Datetime("us", "UTC"),
    "ip": pl.String,
    "user": pl.String,
    "failed": pl.Boolean,
    "_explicit": pl.Boolean,
    "request_id": pl.String,
    "file": pl.String,
    "line": pl.Int64,
    "file_rank": pl.Int32,
    "reason": pl.String,
}


def _by_definition(with_id: pl.DataFrame) -> pl.DataFrame:
    """The merge as first written, with windows (`over`; 1.7 s for 929 k lines): the definition."""
    group = ["request_id", "_occurrence"]
    occurrence = pl.int_range(pl.len()).over(["request_id", "file", "_explicit"])
    first_known = {c: pl.col(c).drop_nulls().first().over(group) for c in ("ip", "user")}
    same_attempt = (
        (pl.col("ts") - pl.col("ts").first().over(group)).abs() <= timedelta(seconds=SAME_ATTEMPT_S)
    ) & pl.all_horizontal((pl.col(c).is_null() | (pl.col(c) == first_known[c])) for c in first_known)
    return (
        with_id.sort(["ts", "file_rank", "line"])
        .with_columns(occurrence.alias("_occurrence"))
        .sort(["_explicit", "ts", "file_rank", "line"], descending=[True, False, False, False])
        .with_columns(
            pl.when(same_attempt).then(0).otherwise(pl.int_range(1, pl.len() + 1).over(group)).alias("_part")
        )
        .group_by("request_id", "_occurrence", "_part", maintain_order=True)
        .agg(*MERGED_VALUES)
    )


def _frame(lines) -> pl.DataFrame:
    rows = [
        {
            "ts": T0 + timedelta(seconds=half_seconds / 2),
            "ip": ip,
            "user": user,
            "failed": failed,
            "_explicit": explicit,
            "request_id": request_id,
            "file": file,
            "line": number,
            "file_rank": 0,  # as in hand-built frames: the file name, not the rank, tells files apart
            "reason": reason,
        }
        for number, (half_seconds, ip, user, failed, explicit, request_id, file, reason) in enumerate(
            lines, 1
        )
    ]
    return pl.DataFrame(rows, schema=SCHEMA)


def _rows(frame: pl.DataFrame) -> list[tuple]:
    return frame.select(MERGED).sort(["ts", "file_rank", "line"]).rows()


LINE = st.tuples(
    st.integers(0, 16),  # half seconds: SAME_ATTEMPT_S (2 s) is 4 of them
    st.sampled_from([None, "203.0.113.9", "198.51.100.1"]),
    st.sampled_from([None, "admin", "alice"]),
    st.booleans(),
    st.booleans(),
    st.sampled_from(["r1", "r2", "r3"]),
    st.sampled_from(["gw.log", "app.log", "auth.log"]),
    st.sampled_from([None, "bad password"]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(LINE, min_size=1, max_size=30))
def test_the_merge_matches_its_definition(lines):
    frame = _frame(lines)
    assert _rows(merge_same_attempts(frame)) == _rows(_by_definition(frame))


@settings(max_examples=100, deadline=None)
@given(st.lists(LINE, min_size=1, max_size=30))
def test_the_merge_is_the_same_when_two_ids_share_a_hash(lines):
    # the rare run where hashes collide falls back to dense ranks: the result must not change
    frame = _frame(lines)
    real = auth.hash_is_unique
    auth.hash_is_unique = lambda ids, hashes: False
    try:
        fallback = merge_same_attempts(frame)
    finally:
        auth.hash_is_unique = real
    assert _rows(fallback) == _rows(_by_definition(frame))


def test_a_shared_hash_is_found_wherever_the_ids_sort():
    ids = pl.Series(["a", "b", "a", "c"])
    assert hash_is_unique(ids, pl.Series([1, 2, 1, 3], dtype=pl.UInt64))
    assert not hash_is_unique(ids, pl.Series([7, 7, 7, 3], dtype=pl.UInt64))  # "a" and "b" share 7
    assert not hash_is_unique(ids, pl.Series([5, 3, 5, 5], dtype=pl.UInt64))  # "a" and "c" share 5


def test_three_services_logging_one_request_are_one_attempt_with_what_each_knew():
    lines = [
        (0, "203.0.113.9", None, True, False, "r1", "gw.log", None),  # the gateway's 401
        (1, None, "admin", True, True, "r1", "app.log", "bad password"),  # the app's auth event
        (2, "203.0.113.9", "admin", True, False, "r1", "auth.log", None),
    ]
    (merged,) = merge_same_attempts(_frame(lines)).select(MERGED).rows(named=True)
    # the explicit auth event comes first: its file and line are the evidence; the others fill the gaps
    assert (merged["file"], merged["line"], merged["ip"], merged["user"], merged["reason"]) == (
        "app.log",
        2,
        "203.0.113.9",
        "admin",
        "bad password",
    )


def test_colliding_hashes_are_never_used_as_keys(monkeypatch):
    # every ID hashed to one value: the keys must still tell "r1" from "r2"
    monkeypatch.setattr(pl.Series, "hash", lambda self, *a, **k: pl.Series([7] * self.len(), dtype=pl.UInt64))
    keys = auth._request_keys(pl.Series(["r1", "r2", "r1"]))
    assert keys[0] == keys[2] != keys[1]


def test_of_two_lines_at_the_same_moment_the_earlier_file_is_the_evidence():
    lines = [
        (0, "203.0.113.9", None, True, False, "r1", "gw.log", None),
        (0, "203.0.113.9", None, True, False, "r1", "app.log", None),
    ]
    ranked = _frame(lines).with_columns(  # gw.log listed first, but app.log is the earlier file
        pl.when(pl.col("file") == "app.log").then(0).otherwise(1).cast(pl.Int32).alias("file_rank")
    )
    (merged,) = merge_same_attempts(ranked).select(MERGED).rows(named=True)
    assert (merged["file"], merged["line"], merged["file_rank"]) == ("app.log", 2, 0)
