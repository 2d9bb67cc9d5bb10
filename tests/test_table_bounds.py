"""Table views render what they show: at most TABLE_ROWS rows, then how many more and how to get them."""

import json

import polars as pl

from forensics_cli.render.tables import TABLE_ROWS, bounded_table, render_text
from tests.conftest import at, rows_of, seed_line, write_log

GITHUB_TOKEN = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"


def _rendered(frame: pl.DataFrame) -> str:
    return render_text(bounded_table(frame, ["n"], "findings"), to_file=True)


def test_a_table_of_exactly_table_rows_rows_shows_them_all_without_a_more_line():
    text = _rendered(pl.DataFrame({"n": [f"row{i:04d}" for i in range(TABLE_ROWS)]}))
    assert f"row{TABLE_ROWS - 1:04d}" in text and "more findings" not in text


def test_one_row_over_shows_table_rows_and_says_one_more():
    text = _rendered(pl.DataFrame({"n": [f"row{i:04d}" for i in range(TABLE_ROWS + 1)]}))
    assert f"row{TABLE_ROWS - 1:04d}" in text and f"row{TABLE_ROWS:04d}" not in text
    assert "… 1 more findings not shown (--format csv or -o FILE.csv has them all)" in text


def test_scan_secrets_table_stops_at_table_rows_and_csv_has_every_finding(tmp_path, run):
    lines = [
        seed_line(at(i), request_id=f"r{i}", note=f"token {GITHUB_TOKEN[:-3]}{i:03d}") for i in range(250)
    ]
    write_log(tmp_path / "logs" / "app.log", lines)
    table = run("scan-secrets", "-q", tmp_path / "logs")
    assert "… 50 more occurrences not shown" in table.stdout
    assert "… 50 more secrets not shown" in table.stdout  # the exposure table: one row per distinct token
    every = rows_of(run("scan-secrets", "-q", "--format", "jsonl", tmp_path / "logs"))
    assert len(every) == 250


def test_ingest_table_over_table_rows_shows_the_files_that_are_not_ok_first(tmp_path, run):
    logs = tmp_path / "logs"
    for index in range(TABLE_ROWS + 5):
        write_log(logs / f"f{index:04d}.log", [seed_line(at(index), request_id=f"r{index}")])
    (logs / "zz-broken.log").write_text(json.dumps(seed_line(at(0))) + '\n{"cut": ')  # last in order, not ok
    result = run("ingest", logs)
    assert "zz-broken.log" in result.stdout and "truncated" in result.stdout
    assert "… 6 more ok files not shown" in result.stdout
    assert f"{TABLE_ROWS + 6:,}" in result.stdout  # the totals row counts every file's lines
