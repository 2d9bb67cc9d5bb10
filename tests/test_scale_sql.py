"""docs/scale.md: its SQL, run through DuckDB on the Hive export of sample_logs/, finds the incidents."""

import re
from pathlib import Path

import duckdb

from forensics_cli import samples
from tests.conftest import SAMPLE_LOGS

DOC = Path(__file__).resolve().parent.parent / "docs" / "scale.md"


def _query(name: str, export: Path) -> str:
    blocks = re.findall(r"```sql\n(.*?)```", DOC.read_text(), re.S)
    (sql,) = [b for b in blocks if b.startswith(f"-- {name}")]
    return sql.replace("EXPORT", str(export))


def test_scale_sql_finds_the_planted_incidents(tmp_path, run):
    export = tmp_path / "export"
    assert run("ingest", "-q", "--events", export, SAMPLE_LOGS).exit_code == 1  # sample_logs has damage
    assert sorted(p.name for p in export.iterdir()) == ["service=app", "service=gateway", "service=worker"]
    brute = duckdb.sql(_query("brute_force.sql", export)).fetchall()
    assert [row[0] for row in brute] == [samples.BRUTE_IP, samples.SPRAY_IP]  # brute force, then the spray
    gaps = duckdb.sql(_query("gaps.sql", export)).fetchall()
    app_gaps = [row for row in gaps if row[0] == "app"]
    assert any(row[1].strftime("%Y-%m-%d %H:%M").startswith("2026-11-18 09:5") for row in app_gaps)
