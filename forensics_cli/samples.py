"""Generate realistic multi-service API logs with planted incidents (docs/samples.md lists them).

python -m forensics_cli.samples OUT_DIR                   # the committed sample_logs/ set
python -m forensics_cli.samples OUT_DIR --size 1GB         # a benchmark corpus
"""

import argparse
import gzip
import json
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

START = datetime(2026, 11, 16, 0, 0, tzinfo=UTC)
PATHS = ["/api/orders", "/api/orders/{id}", "/api/users/me", "/api/products", "/api/cart", "/health"]
AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 Version/17.1 Safari/605.1.15",
    "okhttp/4.12.0",
    "python-requests/2.32.3",
]
USERS = [f"user{n:03d}" for n in range(200)] + ["alice", "bob", "carol", "dave", "admin"]

# Planted incidents (the same values are asserted in tests/test_samples_e2e.py)
BRUTE_IP = "203.0.113.66"
BRUTE_USER = "admin"
BRUTE_START = START + timedelta(days=2, hours=14, minutes=3)
SPRAY_IP = "198.51.100.23"
SPRAY_START = START + timedelta(days=3, hours=3, minutes=12)
GAP_START = START + timedelta(days=2, hours=10, minutes=0)
GAP_MINUTES = 12
LEAKED_GITHUB_TOKEN = "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"  # checksum-valid (secrets/validators.py)
LEAKED_PASSWORD = "Winter2026!x"
LEAKED_CARD = "4111 1111 1111 1111"
LEAKED_AWS_KEY = "AKIA" + "Q3EGRIBLV4W7XK2M"
COMPROMISE_REQUEST = "req-7f3a9c2e-compromise"


@dataclass
class Writer:
    """Collects lines per service, in time order, and writes rotated files."""

    lines: dict[str, list[tuple[datetime, str]]] = field(default_factory=dict)

    def add(self, service: str, when: datetime, line: str):
        self.lines.setdefault(service, []).append((when, line))


def _iso_ms(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def _asctime(when: datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M:%S,") + f"{when.microsecond // 1000:03d}"


def _gateway(w: Writer, when, rid, ip, method, path, status, agent, ms, extra=None):
    record = {
        "time_iso8601": when.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
        "remote_addr": ip,
        "request_method": method,
        "request_uri": path,
        "status": str(status),
        "body_bytes_sent": str(random.randint(80, 4000)),
        "request_time": f"{ms / 1000:.3f}",
        "http_x_request_id": rid,
        "http_user_agent": agent,
        "http_referer": "-",
    }
    record.update(extra or {})
    w.add("gateway", when, json.dumps(record))


def _app(w: Writer, when, level, message):
    w.add(
        "app",
        when,
        json.dumps({"time": _asctime(when), "level": level, "name": "app.security", "message": message}),
    )


def _request(
    w: Writer,
    rng: random.Random,
    when,
    ip,
    user,
    method,
    path,
    status,
    rid=None,
    query="",
    auth=None,
    agent=None,
):
    """One API request as the gateway and the app both log it."""
    rid = rid or str(uuid.UUID(int=rng.getrandbits(128)))
    agent = agent or rng.choice(AGENTS)
    ms = rng.uniform(3, 120)
    app_start = when + timedelta(milliseconds=rng.uniform(0.5, 2))
    _app(
        w,
        app_start,
        "INFO",
        {
            "event_type": "request_started",
            "request_id": rid,
            "method": method,
            "path": path,
            "query": query,
            "ip": ip,
            "user_agent": agent,
            "user_id": user,
        },
    )
    if auth is not None:
        ok, reason = auth
        _app(
            w,
            app_start + timedelta(milliseconds=ms / 2),
            "INFO" if ok else "WARNING",
            {
                "event_type": "authentication",
                "request_id": rid,
                "success": ok,
                "user_id": user,
                "ip": ip,
                "reason": reason,
            },
        )
    end = app_start + timedelta(milliseconds=ms)
    _app(
        w,
        end,
        "INFO",
        {
            "event_type": "request_finished",
            "request_id": rid,
            "method": method,
            "path": path,
            "status": status,
            "duration_ms": round(ms, 2),
            "ip": ip,
            "user_id": user,
        },
    )
    uri = path + (f"?{query}" if query else "")
    _gateway(w, end + timedelta(milliseconds=0.4), rid, ip, method, uri, status, agent, ms + 1)
    return rid


def _audit(w: Writer, when, rid, actor, action, target, detail):
    w.add(
        "worker",
        when,
        json.dumps(
            {
                "event": "audit_event",
                "timestamp": _iso_ms(when),
                "level": "info",
                "request_id": rid,
                "actor": actor,
                "action": action,
                "target": target,
                "detail": detail,
                "user": actor,
            }
        ),
    )


def _background(w: Writer, rng: random.Random, start: datetime, end: datetime, rate_per_s: float):
    """Ordinary traffic with a daily rhythm: busy afternoons, quiet nights."""
    when = start
    office_ips = [f"10.20.{n}.{m}" for n in range(3) for m in range(1, 60)]
    while when < end:
        hour = when.hour + when.minute / 60
        factor = 0.05 + 0.95 * max(0.0, 1 - abs(hour - 14) / 9)
        when += timedelta(seconds=rng.expovariate(rate_per_s * factor))
        if when >= end:
            break
        if GAP_START <= when < GAP_START + timedelta(minutes=GAP_MINUTES):
            continue
        ip = rng.choice(office_ips) if rng.random() < 0.3 else f"192.0.2.{rng.randint(1, 250)}"
        user = rng.choice(USERS[:-1])
        if rng.random() < 0.04:
            typo = rng.random() < 0.08
            _request(
                w,
                rng,
                when,
                ip,
                user,
                "POST",
                "/api/login",
                401 if typo else 200,
                auth=(not typo, "invalid_password" if typo else None),
            )
            if typo:
                _request(
                    w,
                    rng,
                    when + timedelta(seconds=6),
                    ip,
                    user,
                    "POST",
                    "/api/login",
                    200,
                    auth=(True, None),
                )
            continue
        path = rng.choice(PATHS).replace("{id}", str(rng.randint(1, 99999)))
        status = rng.choices([200, 201, 304, 401, 404, 500], [80, 5, 5, 3, 5, 1])[0]
        _request(w, rng, when, ip, user, rng.choice(["GET", "GET", "GET", "POST"]), path, status)
        if rng.random() < 0.01:
            _audit(w, when + timedelta(milliseconds=50), None, user, "profile_update", f"users/{user}", "")
        # the gateway keeps logging during the planted gap: the app's silence is the signal
    for minute in range(GAP_MINUTES):
        moment = GAP_START + timedelta(minutes=minute, seconds=7)
        _gateway(
            w,
            moment,
            str(uuid.UUID(int=rng.getrandbits(128))),
            "192.0.2.10",
            "GET",
            "/api/products",
            200,
            AGENTS[0],
            20,
        )


def _incidents(w: Writer, rng: random.Random):
    # brute force on admin from one address, then success and a privilege change
    for n in range(40):
        _request(
            w,
            rng,
            BRUTE_START + timedelta(seconds=3 * n),
            BRUTE_IP,
            BRUTE_USER,
            "POST",
            "/api/login",
            401,
            auth=(False, "invalid_password"),
            agent="python-requests/2.31.0",
        )
    success = BRUTE_START + timedelta(seconds=125)
    _request(
        w,
        rng,
        success,
        BRUTE_IP,
        BRUTE_USER,
        "POST",
        "/api/login",
        200,
        rid=COMPROMISE_REQUEST,
        auth=(True, None),
        agent="python-requests/2.31.0",
    )
    _audit(
        w,
        success + timedelta(milliseconds=80),
        COMPROMISE_REQUEST,
        BRUTE_USER,
        "role_change",
        "users/bob",
        "role=admin",
    )
    _request(
        w,
        rng,
        success + timedelta(seconds=20),
        BRUTE_IP,
        BRUTE_USER,
        "GET",
        "/api/users/export",
        200,
        agent="python-requests/2.31.0",
    )
    # password spray: one address, many accounts, one try each
    for n, user in enumerate(USERS[:30]):
        _request(
            w,
            rng,
            SPRAY_START + timedelta(seconds=4 * n),
            SPRAY_IP,
            user,
            "POST",
            "/api/login",
            401,
            auth=(False, "invalid_password"),
            agent="curl/8.5.0",
        )
    # leaked secrets
    leak_time = START + timedelta(days=3, hours=9, minutes=30)
    _request(
        w,
        rng,
        leak_time,
        "192.0.2.44",
        "carol",
        "GET",
        "/api/orders",
        200,
        query=f"access_token={LEAKED_GITHUB_TOKEN}&page=2",
    )
    _request(
        w,
        rng,
        leak_time + timedelta(minutes=5),
        "192.0.2.45",
        "dave",
        "POST",
        "/api/login",
        200,
        query=f"username=dave&password={LEAKED_PASSWORD.replace('!', '%21')}",
        auth=(True, None),
    )
    _app(
        w,
        leak_time + timedelta(minutes=9),
        "INFO",
        {
            "event_type": "payment",
            "request_id": "req-card-0001",
            "user_id": "erin",
            "body": {"card_number": LEAKED_CARD, "cvv": "123", "amount": 42},
        },
    )


def _traceback(when: datetime) -> list[str]:
    return [
        "Traceback (most recent call last):",
        '  File "/srv/app/storage.py", line 88, in upload',
        "    client = boto3.client('s3', aws_access_key_id='" + LEAKED_AWS_KEY + "')",
        "botocore.exceptions.ClientError: An error occurred (AccessDenied) at " + when.strftime("%H:%M:%S"),
    ]


def _write_rotated(directory: Path, name: str, rows: list[str], compress: bool, final_newline=True):
    directory.mkdir(parents=True, exist_ok=True)
    data = ("\n".join(rows) + ("\n" if final_newline else "")).encode()
    if compress:
        (directory / f"{name}.gz").write_bytes(gzip.compress(data, mtime=0))
    else:
        (directory / name).write_bytes(data)


def _split_days(rows: list[tuple[datetime, str]]) -> list[list[tuple[datetime, str]]]:
    days: dict = {}
    for when, line in rows:
        days.setdefault(when.date(), []).append((when, line))
    return [days[d] for d in sorted(days)]


def write_corpus(out: Path, writer: Writer, rng: random.Random, damage: bool = True):
    for rows in writer.lines.values():
        rows.sort(key=lambda item: item[0])
    # gateway: dateext rotation, older days gzipped
    days = _split_days(writer.lines.get("gateway", []))
    for index, rows in enumerate(days):
        stamp = rows[0][0].strftime("%Y%m%d")
        last = index == len(days) - 1
        _write_rotated(
            out / "gateway",
            "access.log" if last else f"access.log-{stamp}",
            [r for _, r in rows],
            compress=not last,
        )
    # app: numbered rotation (api-audit.log.N[.gz], higher N older); one rotation is missing
    days = _split_days(writer.lines.get("app", []))
    for index, rows in enumerate(days):
        age = len(days) - 1 - index
        lines = [r for _, r in rows]
        if age == 1 and damage:
            lines[len(lines) // 2 : len(lines) // 2] = _traceback(rows[len(rows) // 2][0])
        if age == 0 and damage:
            lines.append(lines[-1][: len(lines[-1]) // 2])  # half-written last line
        name = "api-audit.log" if age == 0 else f"api-audit.log.{age}"
        if damage and age == 2 and len(days) > 3:
            continue  # the missing rotation
        # the live file is being written: its last line is cut and has no newline yet
        _write_rotated(out / "app", name, lines, compress=age >= 2, final_newline=not (damage and age == 0))
    if damage and len(days) > 3:
        # truncate the oldest compressed file: the gzip stream ends mid-way
        oldest = out / "app" / f"api-audit.log.{len(days) - 1}.gz"
        data = oldest.read_bytes()
        oldest.write_bytes(data[: int(len(data) * 0.85)])
    rows = writer.lines.get("worker", [])
    _write_rotated(out / "worker", "worker.jsonl", [r for _, r in rows], compress=False)


def generate(out: Path, days: int = 4, rate_per_s: float = 0.05, seed: int = 7, damage: bool = True):
    """Write a corpus of `days` days at a peak of `rate_per_s` requests per second into `out`."""
    rng = random.Random(seed)
    random.seed(seed)
    writer = Writer()
    _background(writer, rng, START, START + timedelta(days=days), rate_per_s)
    _incidents(writer, rng)
    write_corpus(out, writer, rng, damage)


def _size(text: str) -> int:
    units = {"KB": 1e3, "MB": 1e6, "GB": 1e9}
    for unit, factor in units.items():
        if text.upper().endswith(unit):
            return int(float(text[: -len(unit)]) * factor)
    return int(text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--size", help="approximate uncompressed size, e.g. 1GB (default: sample set)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--clean",
        action="store_true",
        help="no truncated file, missing rotation or traceback (for peers that abort on them)",
    )
    args = parser.parse_args(argv)
    if args.size:
        # about 910 bytes of decompressed logs per request at this mix; 4 days at the computed peak rate
        requests = _size(args.size) / 910
        generate(
            args.out, days=4, rate_per_s=requests / (4 * 86400 * 0.45), seed=args.seed, damage=not args.clean
        )
    else:
        generate(args.out, seed=args.seed, damage=not args.clean)


if __name__ == "__main__":
    main()
