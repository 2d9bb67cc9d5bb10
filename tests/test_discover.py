"""Discovery: content sniffing, rotation order, service names."""

import gzip
import random
from pathlib import Path

from forensics_cli.discover import discover, rotation_key, rotation_slot, service_of, sniff
from tests.conftest import write_log


def test_numbered_rotation_is_oldest_first(tmp_path):
    for name in ["api-audit.log", "api-audit.log.1", "api-audit.log.2.gz", "api-audit.log.10.gz"]:
        write_log(tmp_path / name, [{"a": 1}], gz=name.endswith(".gz"))
    order = [Path(c.path).name for c in discover([str(tmp_path)])]
    assert order == ["api-audit.log.10.gz", "api-audit.log.2.gz", "api-audit.log.1", "api-audit.log"]


def test_dateext_and_lumberjack_rotation_order():
    dated = ["access.log", "access.log-20261118.gz", "access.log-20261116.gz", "access.log-20261117"]
    assert sorted(dated, key=lambda n: rotation_key(n)[1]) == [
        "access.log-20261116.gz",
        "access.log-20261117",
        "access.log-20261118.gz",
        "access.log",
    ]
    lumber = ["app.log", "app-2026-11-18T10-23-45.123.log.gz", "app-2026-11-17T23-00-00.000.log.gz"]
    assert {rotation_key(n)[0] for n in lumber} == {"app.log"}
    assert sorted(lumber, key=lambda n: rotation_key(n)[1]) == [
        "app-2026-11-17T23-00-00.000.log.gz",
        "app-2026-11-18T10-23-45.123.log.gz",
        "app.log",
    ]


def test_rotation_slots_name_the_missing_member():
    assert rotation_slot("api-audit.log.3.gz") == ("numbered", 3)
    assert rotation_slot("access.log-20261118.gz")[0] == "daily"
    assert rotation_slot("api-audit.log") is None


def test_gzip_is_recognised_by_content_not_name(tmp_path):
    disguised = tmp_path / "events.log"  # gzip bytes, plain name
    disguised.write_bytes(gzip.compress(b'{"a": 1}\n'))
    plain = tmp_path / "events.log.gz"  # plain text, gzip name
    plain.write_bytes(b'{"a": 1}\n')
    assert sniff(str(disguised))[:2] == ("gzip", None)
    assert sniff(str(plain))[:2] == ("none", None)


def test_binary_text_and_empty_files_are_skipped_with_reasons(tmp_path):
    binary = tmp_path / "core.bin"
    binary.write_bytes(bytes(random.Random(1).randrange(256) for _ in range(4096)) + b"\x00" * 4096)
    readme = tmp_path / "README.txt"
    readme.write_text("Just some notes\nnothing to see\n")
    empty = tmp_path / "empty.log"
    empty.write_bytes(b"")
    assert sniff(str(binary))[1] == "not_a_log"
    assert sniff(str(readme))[1] == "not_a_log"
    assert sniff(str(empty))[1] == "empty"


def test_service_comes_from_directory_else_file_name(tmp_path):
    assert service_of(tmp_path / "gateway" / "access.log-20261118.gz", tmp_path) == "gateway"
    assert service_of(tmp_path / "api-audit.log.2.gz", tmp_path) == "api-audit"


def test_symlink_loop_does_not_hang(tmp_path):
    write_log(tmp_path / "logs" / "a.log", [{"a": 1}])
    (tmp_path / "logs" / "loop").symlink_to(tmp_path / "logs")
    found = [c.path for c in discover([str(tmp_path / "logs")])]
    assert sum(p.endswith("a.log") for p in found) == 1
