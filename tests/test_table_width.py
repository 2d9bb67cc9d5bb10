"""Tables fit 80, 100 and 120 columns without losing the evidence: file:line, severity, kind and time
are never left out (a long one folds onto more lines); --wide shows every column."""

from datetime import datetime

import pytest
from rich.cells import cell_len

from forensics_cli.render.tables import common_prefix
from tests.conftest import SAMPLE_LOGS, rows_of

WIDTHS = (80, 100, 120)
# command, the column evidence is shown in, the columns holding severity/kind and time
COMMANDS = {
    "bruteforce": (["bruteforce"], "evidence", ["severity", "kind"], "first_seen"),
    "takeover": (["takeover"], "evidence", [], "timestamp"),
    "timeline": (["timeline", "--request-id", "req-7f3a9c2e-compromise"], "evidence", [], "timestamp"),
    "scan-secrets": (["scan-secrets"], "evidence", ["severity", "rule"], "timestamp"),
    "scan-secrets --group": (
        ["scan-secrets", "--group"],
        "first_evidence",
        ["severity", "rule"],
        "first_seen",
    ),
    "gaps": (["gaps"], "evidence", ["severity", "kind"], "start"),
    "ingest": (["ingest"], "file", ["status"], None),
}


def table_columns(text: str) -> dict[str, str]:
    """Column name -> every cell of that column in the (first) table, concatenated top to bottom,
    spaces removed: a value folded onto several lines reads whole again."""
    lines = text.splitlines()
    top = next(i for i, line in enumerate(lines) if line.startswith("┏"))
    rule = next(i for i in range(top, len(lines)) if lines[i].startswith("┡"))
    end = next(i for i in range(rule, len(lines)) if lines[i].startswith("└"))
    split = [line.strip("┃│").split("┃" if line.startswith("┃") else "│") for line in lines[top + 1 : end]]
    header, body = split[: rule - top - 1], split[rule - top :]
    names = ["".join(part[c].strip() for part in header) for c in range(len(header[0]))]
    return {
        name: "".join(row[c].replace(" ", "") for row in body if len(row) == len(names))
        for c, name in enumerate(names)
    }


def _evidence(rows: list[dict]) -> list[str]:
    prefix = common_prefix([row["file"] for row in rows if row["file"]])
    return [
        f"{row['file'][len(prefix) :]}:{row['line']}" if row["line"] else row["file"][len(prefix) :]
        for row in rows
    ]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", COMMANDS)
def test_tables_fit_the_width_and_keep_evidence_severity_kind_and_time(run, monkeypatch, name, width):
    args, evidence_column, kept, time_column = COMMANDS[name]
    monkeypatch.setenv("COLUMNS", str(width))
    text = run(*args, "-q", SAMPLE_LOGS).stdout
    assert max(cell_len(line) for line in text.splitlines()) <= width
    rows = rows_of(run(*args, "-q", "--format", "jsonl", SAMPLE_LOGS))
    assert rows
    columns = table_columns(text)
    if name == "ingest":
        prefix = common_prefix([row["file"] for row in rows])
        expected = [row["file"][len(prefix) :] for row in rows]
    else:
        expected = _evidence(rows)
    for value in expected:
        assert value.replace(" ", "") in columns[evidence_column], (value, width)
    for column in kept:
        for row in rows:
            assert str(row[column]) in columns[column]
    if time_column:
        for row in rows:
            moment = datetime.fromisoformat(row[time_column].replace("Z", "+00:00"))
            shown = moment.strftime("%H:%M:%S" if name in ("takeover",) else "%Y-%m-%d%H:%M:%S")
            assert shown in columns[time_column], (row[time_column], width)


def test_a_narrow_table_names_the_columns_it_left_out_and_wide_shows_them(run, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    narrow = run("bruteforce", "-q", SAMPLE_LOGS).stdout
    assert "shape" not in table_columns(narrow)
    assert "columns left out to fit 80 characters: failures, shape, ips, users," in narrow.replace("\n", " ")
    wide = run("bruteforce", "-q", "--wide", SAMPLE_LOGS).stdout
    every = ["severity", "kind", "first_seen", "failures", "shape", "ips", "users", "first_success"]
    assert list(table_columns(wide)) == every + ["got_in", "evidence"]
    assert "left out" not in wide


def test_the_progress_bar_counts_files_and_bytes_of_the_known_total(tmp_path):
    import io

    from rich.console import Console

    from forensics_cli.render.report import progress
    from forensics_cli.session import load_events
    from tests.conftest import at, seed_line, write_log

    for index in range(3):
        write_log(tmp_path / f"svc{index}.log", [seed_line(at(i), pad="x" * 200) for i in range(40)])
    total = sum(p.stat().st_size for p in tmp_path.iterdir())
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=160, color_system=None)
    with progress(True, console) as listener:
        load_events([str(tmp_path)], listener=listener, use_cache=False)
        assert (listener.files, listener.done) == (3, 3)
        assert listener.bar.tasks[0].total == total and listener.bar.tasks[0].completed == total
    shown = screen.getvalue()
    assert "3/3 files" in shown and "reading" in shown and "kB" in shown


def test_no_progress_bar_when_stderr_is_not_a_terminal_or_when_quiet():
    from forensics_cli.render.report import progress

    with progress(True) as listener:  # pytest's stderr is captured: not a terminal
        assert listener is None
    with progress(False) as listener:
        assert listener is None
