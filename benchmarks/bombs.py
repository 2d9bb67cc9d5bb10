"""Hostile inputs of issue 18, each run as a user would, with wall time and peak memory.

    python benchmarks/bombs.py            (make bench-bombs)

Each bomb is built in a temporary directory (a few KB on disk), then the command is run in a child
process; peak RSS is that child's (os.wait4). Rows go to stdout as a Markdown table for
docs/performance.md. The budget the issue sets is 400 MB peak per bomb.
"""

import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

BUDGET_MIB = 400


def _line(seconds: int, request_id: str) -> bytes:
    when = datetime(2026, 11, 18, 10) + timedelta(seconds=seconds)
    record = {"time": when.strftime("%Y-%m-%d %H:%M:%S,000"), "message": {"request_id": request_id}}
    return json.dumps(record).encode() + b"\n"


def empty_lines(root: Path) -> str:
    (root / "empty.log.gz").write_bytes(gzip.compress(_line(0, "r1") + b"\n" * 16_000_000 + _line(1, "r2")))
    return "16 M empty lines in a 16 KB gzip"


def zstd_bomb(root: Path) -> str:
    import zstandard

    body = _line(0, "r1") + b'{"pad": "' + b"a" * (64 << 20) + b'"}\n' + _line(1, "r2")
    (root / "bomb.log.zst").write_bytes(zstandard.ZstdCompressor().compress(body))
    return "zstd: a 64 MiB line from ~2 KB"


def overlapping_rotation(root: Path) -> str:
    for number in range(1, 201):
        lines = b"".join(_line(number * 10 + i * 20, f"r{number}-{i}") for i in range(50))
        (root / f"app.log.{number}").write_bytes(lines)
    return "200 rotated files whose time ranges overlap"


def tiny_members(root: Path) -> str:
    members = b"".join(gzip.compress(_line(i, f"r{i}"), mtime=0) for i in range(200_000))
    (root / "flushes.log.gz").write_bytes(members)
    return "200,000 gzip members (one per flush)"


BOMBS = [
    (empty_lines, "ingest"),
    (zstd_bomb, "ingest"),
    (overlapping_rotation, "gaps"),
    (tiny_members, "ingest"),
]


def _run(command: str, root: Path) -> tuple[float, float, int]:
    """Wall seconds, peak RSS (MiB) of that one child, and its exit code."""
    program = Path(sys.executable).with_name("apiforensics")
    start = time.perf_counter()
    child = subprocess.Popen(
        [str(program), command, "-q", "--no-cache", "--format", "jsonl", str(root)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss / 1024, child.returncode


def main() -> int:
    print("| bomb | command | wall s | peak RSS MiB | exit | within 400 MB |")
    print("|---|---|---|---|---|---|")
    over = 0
    for build, command in BOMBS:
        with tempfile.TemporaryDirectory() as directory:
            root = Path(directory)
            try:
                name = build(root)
            except ImportError as exc:
                print(f"| {build.__name__} | {command} | skipped: {exc} | | | |")
                continue
            size = sum(p.stat().st_size for p in root.iterdir())
            wall, peak, code = _run(command, root)
            over += peak > BUDGET_MIB
            ok = "yes" if peak <= BUDGET_MIB else "NO"
            print(f"| {name} ({size / 1024:,.0f} KB) | {command} | {wall:.2f} | {peak:.0f} | {code} | {ok} |")
            sys.stdout.flush()
    return 1 if over else 0


if __name__ == "__main__":
    os.environ.setdefault("POLARS_MAX_THREADS", "2")
    sys.exit(main())
