"""bruteforce over real-shaped attacks: time scales, IPv6 networks, who got in, the attempt merge rule."""

from datetime import timedelta

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forensics_cli.analyses.auth import SAME_ATTEMPT_S, auth_attempts
from forensics_cli.analyses.bruteforce import Thresholds, detect
from forensics_cli.analyses.login_success import credit_successes
from forensics_cli.analyses.scales import LONG_SCALES
from forensics_cli.analyses.sources import with_source
from forensics_cli.durations import duration_label, parse_duration
from tests.conftest import T0, at, events_frame
from tests.test_bruteforce import fail, ok

SHORT_ONLY = Thresholds(long_scales=())


def test_one_try_every_four_minutes_for_six_hours_is_found_with_the_defaults():
    rows = [fail(i * 240, "203.0.113.9", "admin") for i in range(90)]
    episodes = detect(events_frame(rows))
    assert episodes.select("kind", "window", "failures").rows() == [("brute_force", "1d", 90)]
    assert (episodes["first_seen"].item(), episodes["last_seen"].item()) == (at(0), at(89 * 240))
    assert detect(events_frame(rows), SHORT_ONLY).is_empty()  # what --single-window would miss


@pytest.mark.parametrize("failures,found", [(19, []), (20, ["1h"])])
def test_hour_scale_threshold_at_its_boundary(failures, found):
    # 20 failures in 57 minutes: under the 2-minute threshold everywhere, at the hour's
    rows = [fail(i * 180, "203.0.113.9", "admin") for i in range(failures)]
    assert detect(events_frame(rows))["window"].to_list() == found


@pytest.mark.parametrize("failures,found", [(49, []), (50, ["1d"])])
def test_day_scale_threshold_at_its_boundary(failures, found):
    # one try every 25 minutes: 2 or 3 an hour, only the day's window sees them
    rows = [fail(i * 1500, "203.0.113.9", "admin") for i in range(failures)]
    assert detect(events_frame(rows))["window"].to_list() == found


def test_slow_password_spray_over_a_day_is_found():
    rows = [fail(i * 1200, "198.51.100.7", f"user{i:02d}") for i in range(40)]  # 40 accounts, 13 hours
    episodes = detect(events_frame(rows))
    assert episodes.select("kind", "window", "distinct_users").rows() == [("password_spray", "1d", 40)]


def test_a_burst_inside_a_slow_attack_is_reported_once_at_the_scale_that_holds_it_all():
    burst = [fail(3600 + i, "203.0.113.9", "admin") for i in range(15)]
    slow = [fail(i * 300, "203.0.113.9", "admin") for i in range(60)]  # five hours
    episodes = detect(events_frame(burst + slow))
    assert episodes.select("window", "failures").rows() == [("1d", 75)]


def test_separate_bursts_stay_separate_when_the_day_adds_nothing():
    # four bursts of 15, five hours apart: 60 failures in the day (over 50), all inside the bursts
    rows = [fail(h * 18000 + i, "203.0.113.9", "admin") for h in range(4) for i in range(15)]
    episodes = detect(events_frame(rows))
    assert episodes.select("window", "failures").rows() == [("2m", 15)] * 4


def test_the_window_option_sets_only_the_short_scale():
    scales = Thresholds(window_s=3600).scales()
    assert [s.name for s in scales] == ["1h", "1d"] and scales[0].threshold == 10
    assert [s.name for s in Thresholds().scales()] == ["2m", "1h", "1d"]
    assert [(s.window_s, s.threshold) for s in LONG_SCALES] == [(3600, 20), (86400, 50)]


def test_office_and_expired_tokens_stay_quiet_at_every_scale():
    office = []
    for i in range(60):
        if i % 10 == 0:
            office.append(fail(i * 4, "198.18.0.1", f"colleague{i}"))
        office.append(ok(i * 4 + 2, "198.18.0.1", f"colleague{i}"))
    tokens = [
        {"ts": at(i * 300), "ip": f"192.0.2.{i % 40}", "user": f"svc{i % 7}", "status": 401, "path": "/api/x"}
        for i in range(288)
    ]
    assert detect(events_frame(office)).is_empty() and detect(events_frame(tokens)).is_empty()


# --- IPv6 sources -----------------------------------------------------------------------------------


def test_ipv6_addresses_in_one_64_are_one_source():
    rows = [fail(i, f"2001:db8:1:2::{i + 1:x}", "admin") for i in range(20)]
    rows.append(ok(30, "2001:db8:1:2:ffff::1", "admin"))
    episodes = detect(events_frame(rows))
    row = episodes.row(0, named=True)
    assert (episodes.height, row["kind"], row["distinct_ips"], row["succeeded"]) == (
        1,
        "brute_force",
        20,
        True,
    )
    assert "network 2001:db8:1:2::/64" in row["detail"] and row["success_ip"] == "2001:db8:1:2:ffff::1"
    every_address = detect(events_frame(rows), Thresholds(v6_prefix=128))
    assert every_address["kind"].to_list() == ["distributed_brute_force"]
    assert "network" not in every_address["detail"].item()  # a /128 is the address itself


@pytest.mark.parametrize(
    "address,prefix,source",
    [
        ("2001:db8:1:2:3:4:5:6", 64, "2001:db8:1:2::/64"),
        ("2001:DB8:1:2::9", 48, "2001:db8:1::/48"),
        ("::ffff:192.0.2.1", 64, "192.0.2.1"),  # an IPv4 client written as IPv6
        ("fe80::1%eth0", 64, "fe80::/64"),
        ("192.0.2.1", 64, "192.0.2.1"),
        ("not:an:address", 64, "not:an:address"),
    ],
)
def test_source_of_an_address(address, prefix, source):
    frame = pl.DataFrame({"ip": [address, None]})
    assert with_source(frame, prefix)["source"].to_list() == [source, None]


# --- who got in ---------------------------------------------------------------------------------------


def test_a_spray_whose_eighth_target_succeeds_names_that_account():
    rows = [fail(i * 3, "198.51.100.2", f"user{i:02d}") for i in range(25)]
    rows.insert(8, ok(8 * 3 + 1, "198.51.100.2", "user07"))  # the 8th account's password was right
    episodes = detect(events_frame(rows))
    row = episodes.row(0, named=True)
    assert (row["kind"], row["severity"], row["succeeded"], row["successes"]) == (
        "password_spray",
        "critical",
        True,
        1,
    )
    assert (row["success_user"], row["success_ip"], row["success_file"], row["success_line"]) == (
        "user07",
        "198.51.100.2",
        "f.log",
        9,
    )
    assert row["detail"].startswith("success after failures as user07 from 198.51.100.2; next: ")


def test_a_success_for_an_attacked_account_from_elsewhere_counts_for_few_account_kinds_only():
    attack = [fail(i * 2, "203.0.113.9", "admin") for i in range(12)]
    from_elsewhere = ok(40, "192.0.2.50", "admin")
    brute = detect(events_frame(attack + [from_elsewhere])).row(0, named=True)
    assert (brute["success_user"], brute["success_ip"]) == ("admin", "192.0.2.50")
    spray = [fail(i * 2, "203.0.113.9", f"u{i}") for i in range(12)]
    sprayed = detect(events_frame(spray + [ok(40, "192.0.2.50", "u3")])).row(0, named=True)
    assert (sprayed["kind"], sprayed["succeeded"]) == ("password_spray", False)


def _naive_successes(episodes: pl.DataFrame, attempts: pl.DataFrame, grace_s: float) -> dict:
    """The definition, written as the obvious loop: for reference only."""
    wins = attempts.filter(~pl.col("failed")).sort(["ts", "file_rank", "line"]).to_dicts()
    result = {}
    for e in episodes.to_dicts():
        end = e["last_seen"] + timedelta(seconds=grace_s)
        few = e["kind"] in ("brute_force", "distributed_brute_force")
        hits = [
            w
            for w in wins
            if e["first_seen"] <= w["ts"] <= end
            and (w["source"] in e["_source_set"] or (few and w["user"] in e["_user_set"]))
        ]
        result[e["_episode"]] = (len(hits), (hits[0]["user"], hits[0]["line"]) if hits else None)
    return result


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 50),
            st.sampled_from(["a", "b", "c", None]),
            st.sampled_from(["u1", "u2", None]),
            st.booleans(),
        ),
        min_size=1,
        max_size=40,
    ),
    st.lists(
        st.tuples(st.integers(0, 40), st.integers(0, 20), st.sampled_from(["brute_force", "password_spray"])),
        min_size=1,
        max_size=5,
    ),
    st.integers(0, 10),
)
def test_success_join_on_keys_matches_the_definition(wins, episodes, grace):
    attempts = pl.DataFrame(
        {
            "ts": [T0 + timedelta(seconds=t) for t, *_ in wins],
            "source": [s for _, s, _, _ in wins],
            "ip": [s for _, s, _, _ in wins],
            "user": [u for _, _, u, _ in wins],
            "failed": [f for *_, f in wins],
            "file": ["f"] * len(wins),
            "line": list(range(1, len(wins) + 1)),
            "file_rank": [0] * len(wins),
            "request_id": [None] * len(wins),
        },
        schema_overrides={
            "ts": pl.Datetime("us", "UTC"),
            "source": pl.String,
            "ip": pl.String,
            "user": pl.String,
            "request_id": pl.String,
        },
    )
    frame = pl.DataFrame(
        {
            "_episode": list(range(len(episodes))),
            "kind": [k for *_, k in episodes],
            "first_seen": [T0 + timedelta(seconds=s) for s, _, _ in episodes],
            "last_seen": [T0 + timedelta(seconds=s + d) for s, d, _ in episodes],
            "_source_set": [["a", "b"] if i % 2 else ["c"] for i in range(len(episodes))],
            "_user_set": [["u1"] if i % 3 else ["u1", "u2"] for i in range(len(episodes))],
        },
        schema_overrides={"first_seen": pl.Datetime("us", "UTC"), "last_seen": pl.Datetime("us", "UTC")},
    )
    credited = credit_successes(frame, attempts, grace).sort("_episode")
    expected = _naive_successes(frame, attempts, grace)
    got = {
        r["_episode"]: (r["successes"], (r["success_user"], r["success_line"]) if r["success_line"] else None)
        for r in credited.to_dicts()
    }
    assert got == expected


# --- one attempt, several lines ----------------------------------------------------------------------


def _with_id(seconds, ip, file, **extra):
    row = {"ts": at(seconds), "ip": ip, "request_id": "r1", "file": file}
    return row | extra


@pytest.mark.parametrize("gap,attempts", [(SAME_ATTEMPT_S, 1), (SAME_ATTEMPT_S + 0.5, 2)])
def test_lines_of_one_id_are_one_attempt_only_within_two_seconds(gap, attempts):
    rows = [
        _with_id(0, "203.0.113.9", "gw.log", status=401),
        _with_id(gap, "203.0.113.9", "app.log", event="authentication", outcome="failure", user="admin"),
    ]
    assert auth_attempts(events_frame(rows)).collect().height == attempts


def test_lines_of_one_id_from_different_sources_are_different_attempts():
    rows = [
        _with_id(0, "203.0.113.9", "gw.log", status=401),
        _with_id(0.1, "198.51.100.1", "app.log", event="authentication", outcome="failure", user="admin"),
    ]
    assert auth_attempts(events_frame(rows)).collect()["ip"].sort().to_list() == [
        "198.51.100.1",
        "203.0.113.9",
    ]


@pytest.mark.parametrize("tries,named", [(2, False), (3, True)])
def test_reused_request_id_note_at_its_boundary(tries, named):
    rows = [fail(i, "203.0.113.9", "admin", request_id=f"r{i}") for i in range(12)]
    for i in range(tries):
        rows[i]["request_id"] = "same"
    assert ("request id same" in detect(events_frame(rows))["detail"].item()) is named


@pytest.mark.parametrize("seconds", [0.5, 1, 90, 120, 3600, 5400, 86400, 604800])
def test_duration_labels_read_back(seconds):
    assert parse_duration(duration_label(seconds)) == seconds


def test_an_unknown_address_or_account_is_not_counted_as_one():
    teleport = [{"ts": at(i), "event": "login", "outcome": "failure", "user": "alice"} for i in range(12)]
    row = detect(events_frame(teleport)).row(0, named=True)
    assert (row["distinct_ips"], row["distinct_users"], row["ips"]) == (0, 1, "")
    # nine named accounts and a failure with no account: nine accounts, not ten, so no spray
    rows = [fail(i, "198.51.100.2", f"user{i}") for i in range(9)] + [fail(9, "198.51.100.2", None)]
    spray_only = Thresholds(threshold=50, long_scales=())
    assert detect(events_frame(rows), spray_only).is_empty()
    assert detect(events_frame(rows + [fail(10, "198.51.100.2", "user9")]), spray_only)["kind"].to_list() == [
        "password_spray"
    ]


def test_an_ipv4_client_written_as_ipv6_is_not_called_a_network():
    rows = [fail(i, "::ffff:192.0.2.1", "admin") for i in range(12)]
    assert "network" not in detect(events_frame(rows))["detail"].item()


# --- severities, details, order, shapes ---------------------------------------------------------------


@pytest.mark.parametrize("failures,severity", [(49, "medium"), (50, "high")])
def test_brute_force_is_high_from_five_times_the_threshold(failures, severity):
    rows = [fail(i * 2, "203.0.113.9", "admin") for i in range(failures)]  # all inside 2-minute windows
    assert detect(events_frame(rows)).select("window", "severity").rows() == [("2m", severity)]


def test_episodes_are_ordered_by_severity_then_time():
    rows = [fail(i, "203.0.113.1", "a") for i in range(12)]  # medium, first
    rows += [fail(100 + i, "203.0.113.2", f"u{i}") for i in range(12)]  # password_spray: high
    rows += [fail(200 + i, "203.0.113.3", "b") for i in range(12)] + [ok(215, "203.0.113.3", "b")]  # critical
    episodes = detect(events_frame(rows))
    assert episodes.select("severity", "ips").rows() == [
        ("critical", "203.0.113.3"),
        ("high", "203.0.113.2"),
        ("medium", "203.0.113.1"),
    ]


def test_details_are_exact():
    slow = detect(events_frame([fail(i * 5, "203.0.113.9", "admin") for i in range(20)]))
    assert slow["detail"].item() == "20 failures in 95 s"
    no_address = [{"ts": at(i), "event": "login", "outcome": "failure", "user": "alice"} for i in range(12)]
    no_address.append({"ts": at(20), "event": "login", "outcome": "success", "user": "alice"})
    assert detect(events_frame(no_address))["detail"].item() == (
        "success after failures as alice; next: "
        "apiforensics timeline --user alice --since 2026-11-18T10:00:20Z"
    )
    v6 = [fail(i, f"2001:db8:1:2::{i + 1:x}", "admin") for i in range(12)]
    assert detect(events_frame(v6))["detail"].item() == (
        "12 failures in 11 s; IPv6 sources grouped by network 2001:db8:1:2::/64"
    )


def test_the_hour_replaces_the_bursts_it_holds_more_than():
    burst = [fail(i * 3, "203.0.113.9", "admin") for i in range(12)]  # 12 in 33 s
    slow = [fail(300 + i * 150, "203.0.113.9", "admin") for i in range(15)]  # then 15 over 35 minutes
    episodes = detect(events_frame(burst + slow))  # 27 in the hour: over 20; under the day's 50
    assert episodes.select("window", "failures").rows() == [("1h", 27)]


def test_an_episode_touching_a_longer_one_at_its_edge_overlaps_it():
    from forensics_cli.analyses.scales import best_scale

    def episode(number, start, end, failures):
        return {
            "_episode": number,
            "_pivot": "source",
            "_key": "x",
            "first_seen": at(start),
            "last_seen": at(end),
            "failures": failures,
        }

    short = pl.DataFrame([episode(1, 0, 10, 12)])
    for start, end in (
        (10, 500),
        (-500, 0),
    ):  # the long one starts where the short ends, or ends where it starts
        kept = best_scale([short, pl.DataFrame([episode(2, start, end, 30)])])
        assert kept["_episode"].to_list() == [2]


def test_no_episode_and_some_episodes_have_the_same_columns_and_types():
    none = detect(events_frame([fail(0, "203.0.113.9", "admin")]))
    some = detect(
        events_frame([fail(i, "203.0.113.9", "admin") for i in range(12)] + [ok(20, "203.0.113.9", "admin")])
    )
    assert none.is_empty() and none.schema == some.schema


def test_the_histogram_puts_each_failure_in_its_slice_of_the_episode():
    rows = [fail(0, "203.0.113.9", "admin")] * 1 + [
        fail(0.5 * i, "203.0.113.9", "admin") for i in range(1, 6)
    ]
    rows += [fail(100 - 0.5 * i, "203.0.113.9", "admin") for i in range(6)]  # 6 at the start, 6 at the end
    (histogram,) = detect(events_frame(rows))["histogram"].to_list()
    assert histogram == [6] + [0] * 14 + [6]  # the last failure is in the last slice, not past it


def test_a_3xx_on_a_login_path_is_not_a_success():
    rows = [fail(i, "203.0.113.9", "admin") for i in range(12)]
    rows.append({"ts": at(20), "ip": "203.0.113.9", "status": 300, "path": "/api/login"})
    assert detect(events_frame(rows))["succeeded"].to_list() == [False]
    rows[-1]["status"] = 299
    assert detect(events_frame(rows))["succeeded"].to_list() == [True]


def test_an_outcome_without_an_auth_event_name_is_not_an_attempt():
    # a failed export, a failed write: ECS event.outcome on anything that is not a login
    rows = [
        {"ts": at(i), "ip": "203.0.113.9", "user": "admin", "outcome": "failure", "path": "/api/export"}
        for i in range(12)
    ]
    assert auth_attempts(events_frame(rows)).collect().is_empty()
