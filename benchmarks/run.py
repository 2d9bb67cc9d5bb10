"""Benchmark apiforensics against what a responder would otherwise use, on the same files, in one run.

    python benchmarks/run.py                  # 1GB and 5GB corpora (make bench)
    python benchmarks/run.py --sizes 100MB    # a quick run

Each measurement is one process: wall time, CPU time (user+sys) and peak RSS, via os.wait4. Results
(ratios to the peer, not just absolute times) go between the markers in docs/performance.md.
"""

import argparse
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "benchmarks" / "corpus"
DOC = ROOT / "docs" / "performance.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
SECRETS_SUBSET_BYTES = 2_000_000
PEER_TIMEOUT_S = 600
PY = sys.executable
CLI = [PY, "-m", "forensics_cli"]


def run_measured(command, shell=False, env=None, cwd=None, timeout=None) -> dict:
    """Run once: wall seconds, CPU seconds (user+sys) and peak RSS (MiB, the largest single process) of the
    command and the children it waited for (os.wait4), with its output kept for checks. A command still
    running after `timeout` seconds is killed and marked `timed_out`: its wall time is then a lower bound."""
    with tempfile.TemporaryFile() as sink:
        started = time.perf_counter()
        process = subprocess.Popen(
            command,
            shell=shell,
            stdout=sink,
            stderr=subprocess.DEVNULL,
            env=env,
            cwd=cwd,
            executable="/bin/bash" if shell else None,
            start_new_session=True,
        )
        timed_out = False
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if timeout and time.perf_counter() - started > timeout:
                os.killpg(process.pid, signal.SIGKILL)
                timed_out = True
                _, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.05)
        wall = time.perf_counter() - started
        sink.seek(0)
        output = sink.read()
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss": usage.ru_maxrss / 1024,
        "exit": os.waitstatus_to_exitcode(status),
        "timed_out": timed_out,
        "output": output,
    }


def ensure_corpus(size: str) -> Path:
    target = CORPUS / size
    marker = CORPUS / f"{size}.complete"
    if not marker.exists():
        shutil.rmtree(target, ignore_errors=True)
        print(f"generating {size} corpus in {target} ...", file=sys.stderr)
        subprocess.run(
            [PY, "-m", "forensics_cli.samples", str(target), "--size", size, "--clean"], check=True
        )
        marker.write_text("")
    return target


def files_of(corpus: Path) -> list[str]:
    return sorted(str(p) for p in corpus.rglob("*") if p.is_file() and not p.name.startswith("."))


def duckdb_sql(query: str) -> list[str]:
    return [PY, "-c", f"import duckdb; duckdb.sql({query!r}).fetchall()"]


def peers(corpus: Path, files: list[str], request_id: str) -> dict[str, tuple]:
    listing = "[" + ", ".join(f"'{f}'" for f in files) + "]"
    options = "format='newline_delimited', union_by_name=true, ignore_errors=true, filename=true"
    source = f"read_json({listing}, {options})"
    ts = (
        "coalesce(try_strptime(\"time\"::VARCHAR, '%Y-%m-%d %H:%M:%S,%g'), "
        'try_cast(time_iso8601 AS TIMESTAMPTZ), try_cast("timestamp" AS TIMESTAMPTZ))'
    )
    quoted = " ".join(f"'{f}'" for f in files)
    bruteforce_sql = (
        f"WITH f AS (SELECT message.ip AS ip, {ts} AS ts FROM {source} "
        "WHERE message.event_type = 'authentication' AND NOT message.success), "
        "w AS (SELECT ip, count(*) OVER (PARTITION BY ip ORDER BY ts "
        "RANGE BETWEEN INTERVAL 2 MINUTES PRECEDING AND CURRENT ROW) AS n FROM f) "
        "SELECT DISTINCT ip FROM w WHERE n >= 10"
    )
    gaps_sql = (
        "WITH e AS (SELECT regexp_extract(filename, '/([^/]+)/[^/]+$', 1) AS svc, "
        f"{ts} AS ts FROM {source}), "
        "g AS (SELECT svc, ts, ts - lag(ts) OVER (PARTITION BY svc ORDER BY ts) AS silence FROM e) "
        "SELECT svc, ts, silence FROM g WHERE silence > INTERVAL 60 SECONDS"
    )
    return {
        "ingest": (
            "DuckDB read_json (union_by_name), table of all fields",
            duckdb_sql(f"CREATE TEMP TABLE t AS SELECT * FROM {source}"),
        ),
        "ingest_floor": ("zcat | wc -l (the floor)", f"zcat -f {quoted} | wc -l"),
        "ingest_jq": (
            "jq extracting the same fields",
            f"zcat -f {quoted} | jq -c '{{t: (.time // .time_iso8601 // .timestamp), "
            "rid: (.message.request_id? // .http_x_request_id // .request_id), "
            "ip: (.message.ip? // .remote_addr), user: (.message.user_id? // .user), "
            "status: (.message.status? // .status)}' > /dev/null",
        ),
        "timeline": ("rg -z -F ID", ["rg", "-z", "-F", request_id, *files]),
        "bruteforce": ("DuckDB SQL, 2-minute RANGE window per IP", duckdb_sql(bruteforce_sql)),
        "bruteforce_jq": (
            "jq pipeline (failures per IP, no window)",
            f'zcat -f {quoted} | jq -c \'select(.message.event_type? == "authentication" '
            "and .message.success == false) | .message.ip' | sort | uniq -c > /dev/null",
        ),
        "gaps": ("DuckDB SQL, lag() per service", duckdb_sql(gaps_sql)),
        "secrets_rg": (
            "rg -z for three secret patterns (AWS key, GitHub token, password=), no parsing",
            [
                "rg",
                "-z",
                "-c",
                "-e",
                "AKIA[0-9A-Z]{16}",
                "-e",
                "gh[pousr]_[A-Za-z0-9]{36}",
                "-e",
                "password=",
                *files,
            ],
        ),
    }


def secrets_subset(files: list[str], limit_bytes: int) -> Path:
    """Decompressed first lines of every corpus file, limit_bytes in all, and sample_logs/ whole
    (detect-secrets cannot read gzip). Streams through the shell: the benchmark process stays small,
    since every child it forks starts with (and reports) its resident memory."""
    target = Path(tempfile.mkdtemp(prefix="bench-secrets-"))
    share = limit_bytes // max(1, sum("sample_logs" not in f for f in files))
    for index, path in enumerate(files):
        name = target / f"{index:02d}-{Path(path).parent.name}-{Path(path).name.removesuffix('.gz')}"
        # zcat still prints what a truncated .gz holds; head keeps whole lines of the corpus files only
        cut = "" if "sample_logs" in path else f" | head -c {share} | sed '$d'"
        # sample_logs' api-audit.log.3.gz ends mid-stream on purpose: gzip's complaint is expected
        quiet = " 2>/dev/null" if "sample_logs" in path else ""
        subprocess.run(f"zcat -f '{path}'{quiet}{cut} > '{name}'", shell=True, check=False)
    return target


def compare_secret_findings(ours: bytes, theirs: bytes) -> dict:
    by_rule: dict[str, int] = {}
    for line in ours.decode().splitlines():
        if line.strip():
            rule = json.loads(line)["rule"]
            by_rule[rule] = by_rule.get(rule, 0) + 1
    by_type: dict[str, int] = {}
    try:
        results = json.loads(theirs.decode() or "{}").get("results", {})
    except ValueError:
        results = {}
    for entries in results.values():
        for entry in entries:
            by_type[entry["type"]] = by_type.get(entry["type"], 0) + 1
    return {"apiforensics": by_rule, "detect-secrets": by_type}


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import duckdb
    import polars

    return (
        f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB RAM, {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}, Polars {polars.__version__}, DuckDB {duckdb.__version__}"
    )


STARTUP_RUNS = 5
STARTUP_TARGETS = {"--version": 0.15, "--help": 0.15, "ingest": 0.6}  # issue 16, seconds


def startup() -> list[dict]:
    """Start-up times (issue 16): `--version`, `--help` and a cold `ingest` of a 10-line file, best of
    STARTUP_RUNS (the 50 ms polling of run_measured is too coarse here)."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as scratch:
        log = Path(scratch, "ten-lines.log")
        with open(ROOT / "sample_logs" / "app" / "api-audit.log", "rb") as sample:
            log.write_bytes(b"".join(sample.readline() for _ in range(10)))
        env = dict(os.environ, APIFORENSICS_CACHE_DIR=str(Path(scratch, "cache")))
        for name, args in (
            ("--version", ["--version"]),
            ("--help", ["--help"]),
            ("ingest", ["ingest", "--no-cache", "-q", str(log)]),
        ):
            walls = []
            for _ in range(STARTUP_RUNS):
                started = time.perf_counter()
                subprocess.run([*CLI, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                walls.append(time.perf_counter() - started)
            label = f"apiforensics {args[0]}" + (" on a 10-line file, no cache" if args[1:] else "")
            rows.append({"command": label, "wall": min(walls), "target": STARTUP_TARGETS[name]})
    return rows


def render_startup(rows: list[dict]) -> str:
    lines = [
        f"Start-up, best of {STARTUP_RUNS} runs, measured {time.strftime('%Y-%m-%d')} on {machine()}.",
        "",
        "| command | wall s | target s | |",
        "|---|---|---|---|",
    ]
    for row in rows:
        met = "met" if row["wall"] < row["target"] else "**missed**"
        lines.append(f"| {row['command']} | {row['wall']:.3f} | {row['target']} | {met} |")
    return "\n".join(lines) + "\n"


def bench_size(size: str) -> tuple[list[dict], dict]:
    corpus = ensure_corpus(size)
    files = files_of(corpus)
    raw_bytes = int(
        subprocess.run(
            f"zcat -f {' '.join(files)} | wc -c", shell=True, capture_output=True, text=True
        ).stdout
    )
    request_id = "req-7f3a9c2e-compromise"
    cache = Path(tempfile.mkdtemp(prefix="bench-cache-"))
    env = dict(os.environ, APIFORENSICS_CACHE_DIR=str(cache), APIFORENSICS_FINGERPRINT_KEY="bench")
    peer = peers(corpus, files, request_id)
    rows = []

    def ours(name, args, peer_key):
        shutil.rmtree(cache, ignore_errors=True)
        cold = run_measured([*CLI, *args, "-q", "--format", "csv", str(corpus)], env=env)
        warm = run_measured([*CLI, *args, "-q", "--format", "csv", str(corpus)], env=env)
        label, command = peer[peer_key]
        other = run_measured(command, shell=isinstance(command, str))
        rows.append(
            {"size": size, "command": name, "peer": label, "cold": cold, "warm": warm, "other": other}
        )
        print(
            f"{size} {name}: cold {cold['wall']:.1f}s warm {warm['wall']:.1f}s, {label} {other['wall']:.1f}s",
            file=sys.stderr,
        )

    ours("ingest", ["ingest"], "ingest")
    for extra in ("ingest_floor", "ingest_jq"):
        label, command = peer[extra]
        other = run_measured(command, shell=True)
        rows.append(
            {
                "size": size,
                "command": "ingest",
                "peer": label,
                "cold": rows[0]["cold"],
                "warm": rows[0]["warm"],
                "other": other,
            }
        )
    ours("timeline --request-id", ["timeline", "--request-id", request_id], "timeline")
    ours("bruteforce --window 2m", ["bruteforce", "--window", "2m"], "bruteforce")
    label, command = peer["bruteforce_jq"]
    rows.append(
        {
            "size": size,
            "command": "bruteforce --window 2m",
            "peer": label,
            "cold": rows[-1]["cold"],
            "warm": rows[-1]["warm"],
            "other": run_measured(command, shell=True),
        }
    )
    ours("gaps", ["gaps"], "gaps")
    ours("scan-secrets (whole corpus)", ["scan-secrets"], "secrets_rg")
    # scan-secrets vs detect-secrets on the same decompressed files: a small subset, because
    # detect-secrets needs 7 to 70 CPU seconds per MB of these logs (24 CPU minutes were not enough for 20 MB)
    # plus sample_logs/, whose planted secrets make the comparison of findings mean something
    subset = secrets_subset(files + files_of(ROOT / "sample_logs"), SECRETS_SUBSET_BYTES)
    shutil.rmtree(cache, ignore_errors=True)
    cold = run_measured([*CLI, "scan-secrets", "-q", "--format", "jsonl", str(subset)], env=env)
    warm = run_measured([*CLI, "scan-secrets", "-q", "--format", "jsonl", str(subset)], env=env)
    # from inside the copy: run from a git checkout, detect-secrets silently scans only tracked files
    other = run_measured(["detect-secrets", "scan", "--all-files", "."], cwd=subset, timeout=PEER_TIMEOUT_S)
    subset_bytes = sum(p.stat().st_size for p in subset.iterdir())
    rows.append(
        {
            "size": size,
            "command": f"scan-secrets ({subset_bytes / 1e6:.1f} MB: corpus heads + sample_logs, unzipped)",
            "peer": "detect-secrets scan --all-files",
            "cold": cold,
            "warm": warm,
            "other": other,
        }
    )
    found = compare_secret_findings(cold["output"], other["output"])
    shutil.rmtree(subset, ignore_errors=True)
    shutil.rmtree(cache, ignore_errors=True)
    stored = sum(os.path.getsize(f) for f in files)
    return rows, {"size": size, "files": len(files), "stored": stored, "raw": raw_bytes, "secrets": found}


def render(results: list[tuple[list[dict], dict]]) -> dict[str, str]:
    """One markdown section per corpus size."""
    sections = {}
    for rows, info in results:
        lines = [
            f"Measured {time.strftime('%Y-%m-%d')} on {machine()}.",
            "",
            f"### {info['size']} corpus: {info['files']} files, {info['stored'] / 1e6:.0f} MB stored, "
            f"{info['raw'] / 1e6:.0f} MB decompressed",
            "",
            "| command | peer | peer wall s | cold wall s | cold / peer | warm wall s | warm / peer | "
            "cold CPU s | peak RSS MiB (cold / warm / peer) |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for row in rows:
            cold, warm, other = row["cold"], row["warm"], row["other"]
            failed = (
                " (did not finish: killed)"
                if other.get("timed_out")
                else (" (failed)" if other["exit"] not in (0, 1) else "")
            )
            peer = row["peer"].replace("|", "\\|") + failed
            lines.append(
                f"| {row['command']} | {peer} | {other['wall']:.2f} | {cold['wall']:.2f} | "
                f"{cold['wall'] / other['wall']:.2f}x | {warm['wall']:.2f} | "
                f"{warm['wall'] / other['wall']:.2f}x | "
                f"{cold['cpu']:.1f} | {cold['rss']:.0f} / {warm['rss']:.0f} / {other['rss']:.0f} |"
            )
        found = info["secrets"]
        lines += [
            "",
            "What each secret scanner found on the subset (rule or type: occurrences):",
            "",
            "- apiforensics: "
            + (", ".join(f"{k} {v}" for k, v in sorted(found["apiforensics"].items())) or "nothing"),
            "- detect-secrets: "
            + (", ".join(f"{k} {v}" for k, v in sorted(found["detect-secrets"].items())) or "nothing"),
            "",
        ]
        sections[info["size"]] = "\n".join(lines)
    return sections


SECTION = re.compile(r"<!-- size:(\S+) -->\n(.*?)<!-- /size -->\n", re.S)


def update_doc(sections: dict[str, str]):
    """Replace the measured sizes' sections between the bench markers; keep the others."""
    text = DOC.read_text()
    head, _, rest = text.partition(START)
    block, _, tail = rest.partition(END)
    kept = {size: body for size, body in SECTION.findall(block)}
    kept.update(sections)
    order = sorted(kept, key=_size_bytes)
    body = "".join(f"<!-- size:{size} -->\n{kept[size].rstrip()}\n\n<!-- /size -->\n" for size in order)
    DOC.write_text(f"{head}{START}\n{body}{END}{tail}")


def _size_bytes(size: str) -> float:
    if size == "startup":  # the start-up table comes first
        return -1.0
    units = {"KB": 1e3, "MB": 1e6, "GB": 1e9}
    return float(size[:-2]) * units.get(size[-2:].upper(), 1)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--sizes", nargs="+", default=["1GB", "5GB"])
    parser.add_argument("--no-doc", action="store_true", help="print the table instead of updating the doc")
    args = parser.parse_args()
    for tool in ("rg", "jq", "zcat", "detect-secrets"):
        if not shutil.which(tool):
            sys.exit(
                f"benchmarks need {tool} on PATH (apt-get install ripgrep jq; make bench adds detect-secrets)"
            )
    sections = render([bench_size(size) for size in args.sizes])
    sections["startup"] = render_startup(startup())
    if args.no_doc:
        print("\n\n".join(sections.values()))
        return
    update_doc(sections)
    print(f"updated {DOC}", file=sys.stderr)


if __name__ == "__main__":
    main()
