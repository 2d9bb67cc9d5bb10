"""verify's cost, beside what a responder would otherwise run on the same files in the same run.

- a hash-chained HMAC log of N lines: `verify --field-map` (no peer: nothing else reads such chains);
- a manifest re-check over a corpus: `verify --manifest` against `sha256sum -c` of the same list;
- a CloudTrail trail of H hourly digests: `verify --public-keys` (aws-cli's validate-logs needs S3).

Usage: python benchmarks/verify_bench.py [--lines 1000000] [--hours 168]   (make bench-verify)
"""

import argparse
import hashlib
import hmac
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
KEY = "bench-key"


def _timed(command: list[str], cwd: Path, env: dict | None = None) -> tuple[float, int]:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start, done.returncode


def chain_log(path: Path, lines: int) -> None:
    previous = ""
    with open(path, "w") as out:
        for n in range(lines):
            record = {
                "ts": f"2026-11-18T10:00:{n % 60:02d}Z",
                "user": f"u{n % 97}",
                "action": "read",
                "n": n,
                "prev_hash": previous,
            }
            data = json.dumps(record, sort_keys=True, separators=(",", ":")).encode()
            previous = hmac.new(KEY.encode(), data, hashlib.sha256).hexdigest()
            record["hash"] = previous
            out.write(json.dumps(record) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--hours", type=int, default=168)
    parser.add_argument("--copies", type=int, default=100, help="copies of sample_logs/ without a corpus")
    args = parser.parse_args()
    tool = str(ROOT / ".venv" / "bin" / "apiforensics")
    work = Path(tempfile.mkdtemp(prefix="verify-bench-"))
    rows = []
    try:
        env = dict(os.environ, AUDIT_CHAIN_KEY=KEY)
        (work / "chain").mkdir()
        chain_log(work / "chain" / "audit.log", args.lines)
        (work / "chain.toml").write_text(
            '[chain]\nhash = "hash"\nprevious = "prev_hash"\n'
            'algorithm = "hmac-sha256"\nkey_env = "AUDIT_CHAIN_KEY"\n'
        )
        seconds, code = _timed([tool, "verify", "-q", "--field-map", "chain.toml", "chain"], work, env)
        size = (work / "chain" / "audit.log").stat().st_size
        rows.append((f"hash chain, {args.lines:,} lines ({size / 1e6:.0f} MB)", seconds, code, "", None))

        from trail import build_trail, private_key, write_key_file

        trail = build_trail(work / "trail", hours=args.hours, logs_per_hour=6)
        write_key_file(work / "keys.json", private_key())
        command = [
            tool,
            "verify",
            "-q",
            "--public-keys",
            "keys.json",
            "--signature",
            trail.signatures[-1],
            "trail",
        ]
        seconds, code = _timed(command, work)
        rows.append((f"CloudTrail, {args.hours} digests, {len(trail.logs)} logs", seconds, code, "", None))

        corpus = ROOT / "benchmarks" / "corpus"
        if corpus.is_dir():  # make bench's generated corpus
            source = corpus.name
            shutil.copytree(corpus, work / "logs")
        else:  # sample_logs/ copied until the corpus is large enough that start-up does not decide
            source = f"sample_logs x{args.copies}"
            for copy in range(args.copies):
                shutil.copytree(ROOT / "sample_logs", work / "logs" / f"copy{copy}")
        subprocess.run(
            [tool, "ingest", "-q", "--no-cache", "logs", "--manifest", "m.json"],
            cwd=work,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        size = sum(p.stat().st_size for p in (work / "logs").rglob("*") if p.is_file())
        ours, code = _timed([tool, "verify", "-q", "--manifest", "m.json"], work)
        peer, _ = _timed(["sha256sum", "-c", "--quiet", "m.json.sha256sum"], work)
        rows.append(
            (
                f"manifest re-check, {source} ({size / 1e6:.0f} MB stored)",
                ours,
                code,
                "sha256sum -c",
                peer,
            )
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("| check | apiforensics verify | exit | peer | peer time | ratio |")
    print("|---|---|---|---|---|---|")
    for name, seconds, code, peer_name, peer_seconds in rows:
        ratio = f"{seconds / peer_seconds:.1f}x" if peer_seconds else ""
        peer_time = f"{peer_seconds:.2f} s" if peer_seconds else ""
        print(f"| {name} | {seconds:.2f} s | {code} | {peer_name} | {peer_time} | {ratio} |")


if __name__ == "__main__":
    main()
