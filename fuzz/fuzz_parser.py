"""atheris fuzz target for the line parser: any bytes in, every line parsed or rejected, nothing raised.

    pip install atheris && python fuzz/fuzz_parser.py -max_total_time=300

Not part of `make test` (coverage-guided fuzzing runs for minutes); the property tests in
tests/test_properties.py check the same invariant on every run.
"""

import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["forensics_cli"]):  # not polars: it breaks under instrumentation
    from forensics_cli.load import LoadOptions, load
    from forensics_cli.secrets.scan import scan_line

WORKDIR = Path(tempfile.mkdtemp(prefix="fuzz-parser-"))


def one_input(data: bytes):
    path = WORKDIR / "input.log"
    path.write_bytes(b'{"seed": 1}\n' + data)  # a JSON first line, so the file is sniffed as a log
    result = load([str(path)], LoadOptions(use_cache=False, processes=False))
    (report,) = result.reports
    if report.status not in ("not_a_log", "empty"):
        assert report.parsed + report.rejected == report.lines, report
    for line in data.decode("utf-8", "replace").splitlines()[:20]:
        scan_line(line)


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
