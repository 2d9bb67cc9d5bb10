"""takeover: what an account that got in did next, privileged actions, first-seen addresses."""

import polars as pl
import pytest

from forensics_cli.analyses.bruteforce import detect
from forensics_cli.analyses.privileged import PRIVILEGED_ACTIONS, privileged_expr
from forensics_cli.analyses.takeover import TAKEOVER_COLUMNS, TakeoverOptions, takeover
from tests.conftest import at, events_frame, rows_of
from tests.test_bruteforce import fail, ok


def _as_event(example: str) -> dict:
    """'METHOD /path' is a request line with no action; anything else is an action name."""
    method, _, path = example.partition(" ")
    if method in ("GET", "POST", "PUT", "PATCH", "DELETE") and path.startswith("/"):
        return {"event": "request_finished", "method": method, "path": path, "action": None}
    return {"event": "audit", "method": None, "path": None, "action": example}


@pytest.mark.parametrize(
    "rule,example,flagged",
    [(r.name, e, True) for r in PRIVILEGED_ACTIONS for e in r.flags]
    + [(r.name, e, False) for r in PRIVILEGED_ACTIONS for e in r.ignores],
)
def test_privileged_action_examples(rule, example, flagged):
    frame = pl.DataFrame(
        [_as_event(example)], schema={c: pl.String for c in ("event", "method", "path", "action")}
    )
    found = frame.select(privileged_expr()).item()
    assert (found == rule) if flagged else (found is None), (rule, example, found)


def _intrusion(extra_before=(), extra_after=()):
    rows = list(extra_before)
    rows += [fail(1000 + i * 5, "203.0.113.9", "admin", user_agent="hydra") for i in range(12)]
    rows.append(ok(1070, "203.0.113.9", "admin", user_agent="hydra", request_id="login-1"))
    rows += list(extra_after)
    return events_frame(rows)


def test_the_events_after_the_success_with_privileged_actions_marked():
    after = [
        {
            "ts": at(1071),
            "user": "admin",
            "action": "CreateAccessKey",
            "event": "CreateAccessKey",
            "service": "iam",
        },
        {"ts": at(1072), "ip": "203.0.113.9", "method": "GET", "path": "/api/export", "status": 200},
        {"ts": at(1073), "user": "bob", "action": "CreateUser", "event": "CreateUser"},  # someone else
    ]
    events = _intrusion(extra_after=after)
    rows = takeover(events, detect(events))
    assert rows.columns == TAKEOVER_COLUMNS
    assert rows.select("line", "offset_ms", "privileged").rows() == [
        (13, 0.0, None),
        (14, 1000.0, "new_credential"),
        (15, 2000.0, None),
    ]
    assert rows["detail"][1] == "new_credential after the success: CreateAccessKey"
    assert set(rows["account"]) == {"admin"} and set(rows["address"]) == {"203.0.113.9"}


def test_new_address_and_agent_are_told_against_the_accounts_own_history():
    history = [ok(0, "10.0.0.7", "admin", user_agent="Mozilla/5.0")]
    events = _intrusion(extra_before=history)
    first = takeover(events, detect(events)).row(0, named=True)
    assert first["first_seen"] == "new address 203.0.113.9; new user agent hydra"
    known = _intrusion(extra_before=[ok(0, "203.0.113.9", "admin", user_agent="hydra")])
    assert takeover(known, detect(known))["first_seen"].to_list() == [None]


def test_an_account_with_no_history_says_so():
    events = _intrusion()
    assert takeover(events, detect(events))["first_seen"][0] == (
        "new address 203.0.113.9; new user agent hydra; (no events of admin before the attack)"
    )


def test_events_of_the_login_request_count_from_its_first_line():
    started = {"ts": at(1069.95), "request_id": "login-1", "event": "request_started", "path": "/login"}
    events = _intrusion(extra_after=[started])
    rows = takeover(events, detect(events))
    assert rows["offset_ms"].to_list() == [0.0, 50.0] and rows["event"][0] == "request_started"


def test_limit_and_window_bound_what_is_followed():
    after = [{"ts": at(1071 + i), "user": "admin", "event": "read"} for i in range(10)]
    after.append({"ts": at(1070 + 7200), "user": "admin", "event": "much later"})
    events = _intrusion(extra_after=after)
    episodes = detect(events)
    assert takeover(events, episodes).height == 11  # the success and 10 reads; two hours later is out
    assert takeover(events, episodes, TakeoverOptions(limit=3)).height == 3
    assert takeover(events, episodes, TakeoverOptions(window_s=3 * 3600)).height == 12


def test_nothing_to_follow_when_no_attack_succeeded():
    events = events_frame([fail(i, "203.0.113.9", "admin") for i in range(12)])
    assert takeover(events, detect(events)).is_empty()


def test_cli_takeover_on_the_sample_shows_the_role_change_of_the_admin_compromise(run, sample_copy):
    result = run("takeover", "--format", "jsonl", "-q", sample_copy)
    assert result.exit_code == 1
    rows = rows_of(result)
    assert {(r["account"], r["address"]) for r in rows} == {("admin", "203.0.113.66")}
    (role_change,) = [r for r in rows if r["privileged"]]
    assert (role_change["privileged"], role_change["offset_ms"], role_change["service"]) == (
        "privilege_change",
        80.0,
        "worker",
    )
    assert (
        role_change["detail"]
        == "privilege_change after the success: audit role_change users/bob → role=admin"
    )
    assert role_change["file"].endswith("worker/worker.jsonl") and role_change["line"] == 38
    assert rows[0]["first_seen"].startswith("new address 203.0.113.66")
    table = run("takeover", "-q", sample_copy).stdout
    assert "After the success: admin from 203.0.113.66" in table and "1 privileged: privilege_change" in table


def test_cli_takeover_exits_0_when_nobody_got_in(tmp_path, run):
    from tests.conftest import seed_line, write_log

    write_log(tmp_path / "a.log", [seed_line(at(0), event_type="authentication", success=False, user_id="x")])
    result = run("takeover", "-q", tmp_path)
    assert result.exit_code == 0 and "No attack succeeded" in result.stdout


def _teleport(when: float, event: str, code: str, **fields) -> dict:
    """A record shaped as Teleport's audit events reference documents it (families/teleport.py)."""
    stamp = at(when).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    return {"code": code, "ei": 0, "event": event, "time": stamp, "uid": f"uid-{when}", **fields}


def test_teleport_burst_with_no_address_then_what_alice_did(tmp_path, run):
    from tests.conftest import write_log

    failures = [
        _teleport(
            i * 3,
            "user.login",
            "T1000W",
            user="alice",
            success=False,
            method="local",
            error="invalid username, password or second factor",
        )
        for i in range(30)
    ]
    success = _teleport(95, "user.login", "T1000I", user="alice", success=True, method="local")
    role = _teleport(96, "role.created", "T9000I", user="alice", name="backdoor")
    write_log(tmp_path / "teleport" / "events.log", failures + [success, role])
    (episode,) = rows_of(run("bruteforce", "--format", "jsonl", "-q", tmp_path))
    assert (episode["kind"], episode["severity"], episode["failures"]) == ("brute_force", "critical", 30)
    assert (episode["success_user"], episode["success_ip"], episode["success_line"]) == ("alice", None, 31)
    rows = rows_of(run("takeover", "--format", "jsonl", "-q", tmp_path))
    assert [(r["line"], r["privileged"]) for r in rows] == [(31, None), (32, "privilege_change")]


def _trail(when: float, name: str, ip: str, user: str = "alice", **fields) -> dict:
    """A CloudTrail record as the CloudTrail User Guide shows it (families/aws_cloudtrail.py)."""
    return {
        "eventVersion": "1.08",
        "userIdentity": {
            "type": "IAMUser",
            "arn": f"arn:aws:iam::111122223333:user/{user}",
            "userName": user,
        },
        "eventTime": at(when).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventSource": "signin.amazonaws.com" if name == "ConsoleLogin" else "iam.amazonaws.com",
        "eventName": name,
        "sourceIPAddress": ip,
        "userAgent": "Mozilla/5.0",
        "eventID": f"e-{when}",
        **fields,
    }


def test_cloudtrail_console_brute_force_then_access_key_and_policy(tmp_path, run):
    import gzip
    import json

    login = "ConsoleLogin"
    records = [_trail(-86400, login, "198.51.100.4", responseElements={login: "Success"})]  # alice, yesterday
    records += [
        _trail(
            i * 5,
            login,
            "203.0.113.66",
            responseElements={login: "Failure"},
            errorMessage="Failed authentication",
        )
        for i in range(12)
    ]
    records.append(_trail(70, login, "203.0.113.66", responseElements={login: "Success"}))
    records.append(_trail(100, "CreateAccessKey", "203.0.113.66", requestParameters={"userName": "backdoor"}))
    records.append(
        _trail(130, "AttachUserPolicy", "203.0.113.66", requestParameters={"userName": "backdoor"})
    )
    path = tmp_path / "AWSLogs" / "111122223333" / "CloudTrail" / "us-east-1" / "trail.json.gz"
    path.parent.mkdir(parents=True)
    path.write_bytes(gzip.compress(json.dumps({"Records": records}).encode(), mtime=0))
    (episode,) = rows_of(run("bruteforce", "--format", "jsonl", "-q", tmp_path))
    assert (episode["kind"], episode["severity"], episode["success_user"], episode["success_ip"]) == (
        "brute_force",
        "critical",
        "alice",
        "203.0.113.66",
    )
    rows = rows_of(run("takeover", "--format", "jsonl", "-q", tmp_path))
    assert [(r["event"], r["privileged"], r["offset_ms"]) for r in rows] == [
        ("ConsoleLogin", None, 0.0),
        ("CreateAccessKey", "new_credential", 30000.0),
        ("AttachUserPolicy", "privilege_change", 60000.0),
    ]
    assert rows[0]["first_seen"] == "new address 203.0.113.66"  # alice's own browser, a new address


def _geo_db(tmp_path):
    from tests.mmdb import write_mmdb

    return write_mmdb(
        tmp_path / "geo.mmdb",
        {
            "10.0.0.0/8": {"country": {"iso_code": "DE"}, "autonomous_system_number": 64501},
            "203.0.113.0/24": {
                "country": {"iso_code": "NL"},
                "autonomous_system_number": 64500,
                "autonomous_system_organization": "Example Hosting",
            },
        },
    )


def test_geoip_names_a_new_country_and_network_for_the_account(tmp_path):
    from forensics_cli.geoip import open_locator

    events = _intrusion(extra_before=[ok(0, "10.0.0.7", "admin", user_agent="hydra")])
    rows = takeover(events, detect(events), locate=open_locator([str(_geo_db(tmp_path))]))
    first = rows.row(0, named=True)
    assert (first["country"], first["asn"]) == ("NL", "AS64500 Example Hosting")
    assert (
        first["first_seen"] == "new address 203.0.113.9; new country NL; new network AS64500 Example Hosting"
    )
    without = takeover(events, detect(events))
    assert without["country"].to_list() == [None] and without["first_seen"][0] == "new address 203.0.113.9"


def test_geoip_same_country_is_not_new(tmp_path):
    from forensics_cli.geoip import open_locator

    events = _intrusion(extra_before=[ok(0, "203.0.113.200", "admin", user_agent="hydra")])
    rows = takeover(events, detect(events), locate=open_locator([str(_geo_db(tmp_path))]))
    assert rows["first_seen"].to_list() == ["new address 203.0.113.9"]


def test_cli_geoip_option_and_a_file_that_is_not_a_database(tmp_path, run, sample_copy):
    db = _geo_db(tmp_path)
    rows = rows_of(run("takeover", "--geoip", db, "--format", "jsonl", "-q", sample_copy))
    assert {r["country"] for r in rows} == {"NL", None}  # the worker line has no address
    assert "new country NL" in rows[0]["first_seen"]
    bad = tmp_path / "not.mmdb"
    bad.write_text("hello")
    result = run("takeover", "--geoip", bad, "-q", sample_copy)
    assert result.exit_code == 2 and "not a readable MaxMind DB file" in result.stderr


def test_no_compromise_and_a_compromise_have_the_same_columns_and_types(tmp_path):
    from forensics_cli.geoip import open_locator

    nobody = events_frame([fail(i, "203.0.113.9", "admin") for i in range(12)])
    intrusion = _intrusion()
    empty = takeover(nobody, detect(nobody))
    assert empty.is_empty() and empty.schema == takeover(intrusion, detect(intrusion)).schema
    located = takeover(intrusion, detect(intrusion), locate=open_locator([str(_geo_db(tmp_path))]))
    assert located.schema == empty.schema


def test_two_compromises_come_in_the_order_they_happened():
    first = [fail(i, "203.0.113.9", "zed") for i in range(12)] + [ok(20, "203.0.113.9", "zed")]
    second = [fail(500 + i, "198.51.100.7", "amy") for i in range(12)] + [ok(520, "198.51.100.7", "amy")]
    events = events_frame(second + first)  # the later attack written first
    rows = takeover(events, detect(events))
    assert rows["account"].unique(maintain_order=True).to_list() == ["zed", "amy"]


def test_an_event_name_with_no_action_is_matched_too():
    frame = pl.DataFrame(
        {"event": ["CreateUser"], "action": [None], "method": [None], "path": [None]},
        schema={c: pl.String for c in ("event", "action", "method", "path")},
    )
    assert frame.select(privileged_expr()).item() == "new_user"


@pytest.mark.parametrize("before,new", [(60.0, True), (60.001, False)])
def test_history_ends_a_minute_before_the_attack(before, new):
    events = _intrusion(extra_before=[ok(1000 - before, "203.0.113.9", "admin", user_agent="hydra")])
    first_seen = takeover(events, detect(events))["first_seen"][0]
    assert (first_seen is not None and first_seen.startswith("new address")) is new


def test_a_record_sharing_the_success_line_and_second_is_not_taken_for_it():
    # one-line JSON documents: bob's record at the same file:line and second as alice's success
    rows = [fail(i * 5, "203.0.113.9", "alice") for i in range(12)]
    rows.append({"ts": at(70), "user": "bob", "request_id": "bob-req", "event": "read", "line": 99})
    rows.append(ok(70, "203.0.113.9", "alice", request_id="alice-login", line=99))
    rows.append({"ts": at(70.5), "request_id": "bob-req", "event": "bob's own next step", "line": 100})
    events = events_frame(rows)
    followed = takeover(events, detect(events))
    assert "bob's own next step" not in followed["event"].to_list()
    assert followed["user"].drop_nulls().unique().to_list() == ["alice"]


def _okta(when: float, event: str, result: str, n: int, **extra) -> dict:
    """An Okta System Log event as Okta's System Log API documents it (families/okta.py)."""
    return {
        "actor": {"id": "00u1", "type": "User", "alternateId": "alice@example.com"},
        "client": {"userAgent": {"rawUserAgent": "python-requests/2.31"}, "ipAddress": "198.51.100.23"},
        "eventType": event,
        "outcome": {"result": result},
        "published": at(when).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "uuid": f"uuid-{n}",
        "transaction": {"type": "WEB", "id": f"tx-{n}"},
        **extra,
    }


def test_okta_password_guessing_then_an_api_token_and_mfa_removed(tmp_path, run):
    from tests.conftest import write_log

    records = [_okta(i * 4, "user.session.start", "FAILURE", i) for i in range(15)]
    records.append(_okta(70, "user.session.start", "SUCCESS", 100))
    records.append(_okta(90, "system.api_token.create", "SUCCESS", 101))
    records.append(_okta(95, "user.mfa.factor.deactivate", "SUCCESS", 102))
    write_log(tmp_path / "okta" / "system_log.jsonl", records)
    (episode,) = rows_of(run("bruteforce", "--format", "jsonl", "-q", tmp_path))
    assert (episode["success_user"], episode["success_ip"]) == ("alice@example.com", "198.51.100.23")
    rows = rows_of(run("takeover", "--format", "jsonl", "-q", tmp_path))
    assert [(r["event"], r["privileged"]) for r in rows] == [
        ("user.session.start", None),
        ("system.api_token.create", "new_credential"),
        ("user.mfa.factor.deactivate", "mfa_change"),
    ]


def test_two_successes_in_one_line_of_a_json_document_are_two_compromises():
    rows = [fail(i, "203.0.113.9", "zed", line=1) for i in range(12)]
    rows += [fail(i, "198.51.100.7", "amy", line=1) for i in range(12)]
    rows += [
        ok(20, "203.0.113.9", "zed", line=1),
        ok(21, "198.51.100.7", "amy", line=1),
    ]  # one CloudTrail line
    events = events_frame(rows)
    followed = takeover(events, detect(events))
    assert followed["account"].unique(maintain_order=True).to_list() == ["zed", "amy"]
