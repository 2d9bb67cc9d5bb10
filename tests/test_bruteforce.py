"""`bruteforce`: the four attack shapes, success after failures, and ordinary life that is not an attack."""

from datetime import timedelta

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forensics_cli.analyses.auth import auth_attempts
from forensics_cli.analyses.bruteforce import Thresholds, detect, detect_in_attempts
from tests.conftest import T0, at, events_frame, rows_of, seed_line, write_log


def fail(seconds, ip, user, **extra):
    return {
        "ts": at(seconds),
        "ip": ip,
        "user": user,
        "event": "authentication",
        "outcome": "failure",
        "reason": "invalid_password",
        **extra,
    }


def ok(seconds, ip, user, **extra):
    return {
        "ts": at(seconds),
        "ip": ip,
        "user": user,
        "event": "authentication",
        "outcome": "success",
        **extra,
    }


def kinds(frame):
    return sorted(frame["kind"].to_list())


def test_brute_force_on_one_account_from_one_source():
    episodes = detect(events_frame([fail(i * 5, "203.0.113.9", "admin") for i in range(20)]))
    assert kinds(episodes) == ["brute_force"]
    row = episodes.row(0, named=True)
    assert (row["failures"], row["distinct_ips"], row["distinct_users"], row["succeeded"]) == (
        20,
        1,
        1,
        False,
    )
    assert row["first_seen"] == at(0) and row["last_seen"] == at(95)
    assert (row["file"], row["line"]) == ("f.log", 1)


def test_password_spray_many_accounts_one_try_each():
    episodes = detect(events_frame([fail(i * 3, "198.51.100.2", f"user{i}") for i in range(25)]))
    assert kinds(episodes) == ["password_spray"]
    assert episodes["severity"].item() == "high" and episodes["distinct_users"].item() == 25
    assert episodes["users"].item().split(";")[:3] == ["user0", "user1", "user10"]  # count ties: by name


def test_distributed_brute_force_one_account_many_sources():
    episodes = detect(events_frame([fail(i * 4, f"10.9.0.{i}", "ceo") for i in range(15)]))
    assert kinds(episodes) == ["distributed_brute_force"]
    assert episodes["distinct_ips"].item() == 15


def test_credential_stuffing_is_a_surge_against_the_baseline():
    background = [fail(i * 3600, f"192.0.2.{i % 50}", f"u{i}") for i in range(-48, 0)]  # one an hour
    surge = [fail(i * 2, f"172.16.{i}.1", f"victim{i}") for i in range(40)]  # 40 in 80 s, all different
    episodes = detect(events_frame(background + surge))
    assert kinds(episodes) == ["credential_stuffing"]
    assert episodes["failures"].item() == 40


def test_success_after_failures_is_critical_and_points_to_the_next_command():
    rows = [fail(i * 5, "203.0.113.9", "admin") for i in range(12)] + [ok(70, "203.0.113.9", "admin")]
    row = detect(events_frame(rows)).row(0, named=True)
    assert (row["succeeded"], row["severity"], row["first_success"], row["successes"]) == (
        True,
        "critical",
        at(70),
        1,
    )
    assert "apiforensics timeline --ip 203.0.113.9 --since 2026-11-18T10:01:10Z" in row["detail"]


def test_success_long_after_the_episode_is_not_credited_to_it():
    rows = [fail(i * 5, "203.0.113.9", "admin") for i in range(12)] + [ok(3600, "203.0.113.9", "admin")]
    assert detect(events_frame(rows))["succeeded"].to_list() == [False]


def test_a_person_mistyping_twice_is_not_an_attack():
    rows = [fail(0, "192.0.2.5", "bob"), fail(6, "192.0.2.5", "bob"), ok(12, "192.0.2.5", "bob")]
    assert detect(events_frame(rows)).is_empty()


def test_office_behind_one_nat_logging_in_at_nine_is_not_an_attack():
    rows = []
    for i in range(60):
        if i % 10 == 0:  # six people mistype once
            rows.append(fail(i * 4, "198.18.0.1", f"colleague{i}"))
        rows.append(ok(i * 4 + 2, "198.18.0.1", f"colleague{i}"))
    assert detect(events_frame(rows)).is_empty()


def test_expired_token_401s_spread_over_the_day_are_not_an_attack():
    rows = [
        {"ts": at(i * 300), "ip": f"192.0.2.{i % 40}", "user": f"svc{i % 7}", "status": 401, "path": "/api/x"}
        for i in range(288)
    ]
    assert detect(events_frame(rows)).is_empty()


def test_burst_split_by_a_minute_boundary_is_one_episode():
    # 10 failures from 10:00:55 to 10:01:04: fixed one-minute buckets would see 5 + 5
    rows = [fail(55 + i, "203.0.113.9", "admin") for i in range(10)]
    episodes = detect(events_frame(rows), Thresholds(window_s=60))
    assert episodes["failures"].to_list() == [10]


def test_exactly_threshold_failures_is_reported_one_less_is_not():
    exactly = [fail(i, "203.0.113.9", "admin") for i in range(10)]
    assert detect(events_frame(exactly))["failures"].to_list() == [10]
    assert detect(events_frame(exactly[:9])).is_empty()


def test_out_of_order_lines_are_windowed_by_event_time():
    rows = [fail(i * 5, "203.0.113.9", "admin") for i in range(12)]
    shuffled = rows[6:] + rows[:6]  # a later file logged first
    assert detect(events_frame(shuffled))["failures"].to_list() == [12]


def test_adjacent_hot_windows_merge_into_one_episode():
    rows = [fail(i * 10, "203.0.113.9", "admin") for i in range(60)]  # 10 minutes, always over threshold
    episodes = detect(events_frame(rows))
    assert episodes.height == 1 and episodes["failures"].item() == 60


def test_gateway_and_app_lines_of_one_attempt_count_once():
    rows = []
    for i in range(10):
        rows.append(
            {
                "ts": at(i * 5),
                "ip": "203.0.113.9",
                "status": 401,
                "path": "/api/login",
                "request_id": f"r{i}",
                "service": "gateway",
            }
        )
        rows.append(fail(i * 5 + 0.01, None, "admin", request_id=f"r{i}"))
    attempts = auth_attempts(events_frame(rows)).collect()
    assert attempts.height == 10
    assert attempts["user"].to_list() == ["admin"] * 10 and attempts["ip"].to_list() == ["203.0.113.9"] * 10
    assert detect(events_frame(rows))["failures"].to_list() == [10]


def test_login_path_option_adds_success_routes():
    rows = [fail(i * 5, "203.0.113.9", "admin") for i in range(10)]
    rows.append({"ts": at(60), "ip": "203.0.113.9", "status": 200, "path": "/v2/identity/signon"})
    assert detect(events_frame(rows))["succeeded"].to_list() == [False]
    assert detect(events_frame(rows), login_paths=["/v2/identity/*"])["succeeded"].to_list() == [True]


def test_by_pivot_restricts_the_detections():
    rows = [fail(i * 4, f"10.9.0.{i}", "ceo") for i in range(15)]
    assert detect(events_frame(rows), Thresholds(by="ip")).is_empty()
    assert kinds(detect(events_frame(rows), Thresholds(by="user"))) == ["distributed_brute_force"]


def test_cli_reports_the_sample_attack_with_exit_1(tmp_path, run):
    logs = tmp_path / "logs"
    write_log(
        logs / "app.log",
        [
            seed_line(
                at(i * 3),
                event_type="authentication",
                success=False,
                user_id="root",
                ip="203.0.113.77",
                reason="invalid_password",
            )
            for i in range(15)
        ],
    )
    result = run("bruteforce", "--window", "90s", "--format", "jsonl", "-q", logs)
    assert result.exit_code == 1
    (row,) = rows_of(result)
    assert list(row)[:14] == [
        "kind",
        "severity",
        "first_seen",
        "last_seen",
        "failures",
        "successes",
        "distinct_ips",
        "distinct_users",
        "ips",
        "users",
        "succeeded",
        "first_success",
        "file",
        "line",
    ]
    assert (row["kind"], row["ips"], row["users"], row["succeeded"]) == (
        "brute_force",
        "203.0.113.77",
        "root",
        False,
    )
    quiet = run("bruteforce", "--threshold", "50", "-q", logs)
    assert quiet.exit_code == 0


def _reference_max_window(times: list[float], window: float) -> int:
    """Brute force: the most failures in any (t - window, t] ending at a failure."""
    return max(sum(1 for u in times if t - window < u <= t) for t in times)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=600), min_size=1, max_size=40),
    st.integers(min_value=5, max_value=200),
    st.integers(min_value=2, max_value=12),
)
def test_window_counts_match_a_brute_force_reference(offsets, window, threshold):
    times = sorted(offsets)
    attempts = pl.DataFrame(
        {
            "ts": [T0 + timedelta(seconds=s) for s in times],
            "ip": ["1.1.1.1"] * len(times),
            "user": ["u"] * len(times),
            "failed": [True] * len(times),
            "request_id": [None] * len(times),
            "file": ["f"] * len(times),
            "line": list(range(1, len(times) + 1)),
            "file_rank": [0] * len(times),
            "reason": [None] * len(times),
        },
        schema_overrides={"ts": pl.Datetime("us", "UTC"), "request_id": pl.String, "reason": pl.String},
    )
    only_short = Thresholds(window_s=window, threshold=threshold, min_users=99, long_scales=())
    episodes = detect_in_attempts(attempts, only_short)
    hot = _reference_max_window(times, window) >= threshold
    assert (episodes.height > 0) == hot
    if hot:
        assert episodes["failures"].sum() <= len(times)


@pytest.mark.parametrize("text,seconds", [("90s", 90), ("2m", 120), ("1h", 3600)])
def test_window_option_accepts_units(tmp_path, run, text, seconds):
    write_log(tmp_path / "a.log", [seed_line(at(0))])
    assert run("bruteforce", "--window", text, "-q", tmp_path).exit_code == 0
    from forensics_cli.durations import parse_duration

    assert parse_duration(text) == seconds


def test_stored_auth_subset_gives_the_same_episodes_as_all_events(sample_copy):
    from forensics_cli.load import LoadOptions, load

    result = load([str(sample_copy)], LoadOptions(processes=False))
    from_subset = detect(result.auth_candidates)
    assert not from_subset.is_empty()
    assert from_subset.equals(detect(result.events))
    subset_lines = result.auth_candidates.select(pl.len()).collect().item()
    assert 0 < subset_lines < result.events.select(pl.len()).collect().item() / 3


def test_cli_login_path_reads_all_events_not_the_default_subset(tmp_path, run):
    logs = tmp_path / "logs"
    attempts = [
        seed_line(at(i * 5), event_type="authentication", success=False, user_id="admin", ip="203.0.113.9")
        for i in range(10)
    ]
    # a 200 on a route only --login-path knows: not in the subset stored for the default login paths
    signon = {
        "time_iso8601": at(60).strftime("%Y-%m-%dT%H:%M:%S+00:00"),
        "remote_addr": "203.0.113.9",
        "request_method": "POST",
        "request_uri": "/v2/identity/signon",
        "status": "200",
    }
    write_log(logs / "app" / "app.log", attempts)
    write_log(logs / "gateway" / "access.log", [signon])
    plain = rows_of(run("bruteforce", "--format", "jsonl", "-q", logs))
    custom = rows_of(run("bruteforce", "--format", "jsonl", "-q", "--login-path", "/v2/identity/*", logs))
    assert [r["succeeded"] for r in plain] == [False] and [r["succeeded"] for r in custom] == [True]


def test_a_request_id_reused_on_every_try_does_not_merge_the_tries():
    rows = [
        {
            "ts": at(i),
            "event": "authentication",
            "outcome": "failure",
            "ip": "203.0.113.9",
            "user": "admin",
            "request_id": "fixed-header",
        }
        for i in range(500)
    ]
    attempts = auth_attempts(events_frame(rows)).collect()
    assert attempts.height == 500
    episodes = detect(events_frame(rows))
    assert episodes["kind"].to_list() == ["brute_force"] and episodes["failures"].to_list() == [500]
    assert "request id fixed-header on 500 attempts (not merged)" in episodes["detail"].item()


def test_one_request_logged_by_gateway_and_app_is_still_one_attempt():
    rows = [
        {
            "ts": at(0),
            "event": "authentication",
            "outcome": "failure",
            "user": "admin",
            "request_id": "r1",
            "file": "app.log",
        },
        {"ts": at(0.01), "status": 401, "ip": "203.0.113.9", "request_id": "r1", "file": "gw.log"},
    ]
    (attempt,) = auth_attempts(events_frame(rows)).collect().to_dicts()
    assert (attempt["user"], attempt["ip"], attempt["failed"]) == ("admin", "203.0.113.9", True)


def test_failures_on_one_account_from_no_address_are_brute_force():
    rows = [
        {"ts": at(3 * i), "event": "user.login", "outcome": "failure", "user": "alice", "auth": True}
        for i in range(30)
    ] + [{"ts": at(95), "event": "user.login", "outcome": "success", "user": "alice", "auth": True}]
    episodes = detect(events_frame(rows))
    assert episodes.select("kind", "succeeded", "failures", "users").rows() == [
        ("brute_force", True, 30, "alice")
    ]


@pytest.mark.parametrize("failures,found", [(9, []), (10, ["brute_force"])])
def test_account_pivot_without_address_at_the_threshold(failures, found):
    rows = [{"ts": at(i), "event": "login", "outcome": "failure", "user": "alice"} for i in range(failures)]
    assert detect(events_frame(rows))["kind"].to_list() == found


@pytest.mark.parametrize(
    "sources,kind", [(1, "brute_force"), (4, "brute_force"), (5, "distributed_brute_force")]
)
def test_account_pivot_sources_at_the_boundary(sources, kind):
    rows = [
        {
            "ts": at(i),
            "event": "login",
            "outcome": "failure",
            "user": "alice",
            "ip": f"198.51.100.{i % sources}",
        }
        for i in range(20)
    ]
    episodes = detect(events_frame(rows))
    # one source: the source pivot's episode only, never a second row for the same failures
    assert episodes["kind"].to_list() == [kind]


@pytest.mark.parametrize("accounts,found", [(4, []), (5, ["password_spray"])])
def test_min_users_below_the_threshold_finds_a_spray_with_fewer_failures(accounts, found):
    # --min-users 5 with the threshold at 10: five accounts, one try each, are a spray on their own
    rows = [fail(i * 3, "198.51.100.2", f"user{i}") for i in range(accounts)]
    spray_of_five = Thresholds(min_users=5, long_scales=())
    assert detect(events_frame(rows), spray_of_five)["kind"].to_list() == found


def test_a_window_condition_reads_only_the_counts_it_names():
    # the account pivot asks for failures only: a frame without accounts or sources is enough
    from forensics_cli.analyses.bruteforce import _hot_intervals

    failures = pl.DataFrame({"who": ["a"] * 3, "ts": [at(0), at(1), at(200)]})
    intervals = _hot_intervals(failures, "who", 120.0, pl.col("n_failures") >= 2)
    assert intervals.rows() == [("a", at(0), at(1))]


def test_hot_windows_sharing_a_failure_are_one_episode():
    # windows of 2 minutes, 2 failures: [0 s, 100 s] and [100 s, 200 s] share the failure at 100 s
    rows = [fail(seconds, "203.0.113.9", "admin") for seconds in (0, 100, 200)]
    episodes = detect(events_frame(rows), Thresholds(threshold=2, long_scales=()))
    assert episodes.select("kind", "failures").rows() == [("brute_force", 3)]
