"""Files that hold JSON documents rather than one record a line: a pretty-printed export, a JSON array
of records (Graph, Auth0 and Okta exports), or records wrapped in an object (`{"Records": [...]}` as S3
delivers CloudTrail, `{"value": [...]}` from Microsoft Graph, `{"records": [...]}` from Azure
diagnostic settings). Each record becomes one event whose `line` is the line where the record starts.
"""

import bisect
import re

import orjson
import polars as pl

from forensics_cli.reader import LineChunk

# keys that hold the records of a wrapper object, and the envelope keys allowed beside them
WRAPPER_KEYS = ("Records", "records", "value", "items", "events", "logs", "entries", "data", "resourceLogs")
ENVELOPE_KEYS = re.compile(
    r"^(@odata\..*|kind|etag|nextPageToken|nextLink|next|total|count|limit|start|length)$"
)
# a larger file is read line by line: decoded whole, a document costs ~10x its size in Python objects
MAX_DOCUMENT_BYTES = 64 << 20
_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[{}\[\]]')


def otel_records(value: dict) -> list[dict]:
    """The log records of an OTLP JSON export (resourceLogs / scopeLogs / logRecords), each with its
    resource's attributes (`service.name`, ...) and its scope's name beside it."""
    records = []
    for resource_logs in value.get("resourceLogs") or []:
        resource = (resource_logs.get("resource") or {}).get("attributes") or []
        attributes = {
            a.get("key"): next(iter((a.get("value") or {}).values()), None)
            for a in resource
            if isinstance(a, dict)
        }
        for scope_logs in resource_logs.get("scopeLogs") or []:
            scope = (scope_logs.get("scope") or {}).get("name")
            for record in scope_logs.get("logRecords") or []:
                if isinstance(record, dict):
                    records.append(
                        {**record, **{k: v for k, v in attributes.items() if k}, "otel.scope": scope}
                    )
    return records


def wrapped_records(value) -> list | None:
    """The records of a wrapper object (a list of objects under one WRAPPER_KEYS key, with only
    envelope keys beside it, or an OTLP export), or None when `value` is not one."""
    if not isinstance(value, dict):
        return None
    if set(value) == {"resourceLogs"} and isinstance(value["resourceLogs"], list):
        return otel_records(value)
    lists = [k for k in value if k in WRAPPER_KEYS and isinstance(value[k], list)]
    if len(lists) != 1 or any(k != lists[0] and not ENVELOPE_KEYS.match(k) for k in value):
        return None
    items = value[lists[0]]
    return items if all(isinstance(item, dict) for item in items) else None


def looks_like_document(first_lines: list[str]) -> bool:
    """Whether a file's first lines open a JSON document instead of JSON lines."""
    text = next((line.strip() for line in first_lines if line.strip()), "")
    if text.startswith("["):
        return True
    if text.startswith("{") and not text.endswith("}"):
        return True  # a pretty-printed object: its first line does not close it
    if text.startswith("{") and any(f'"{key}"' in text[:200] for key in WRAPPER_KEYS):
        try:
            return wrapped_records(orjson.loads(text)) is not None
        except orjson.JSONDecodeError:
            return False
    return False


def _record_starts(payload: bytes, depth_of_records: int) -> list[int]:
    """Byte offsets of the objects that open at the given bracket depth (strings skipped)."""
    starts, depth = [], 0
    for match in _TOKENS.finditer(payload):
        token = match.group()
        if token in (b"{", b"["):
            depth += 1
            if token == b"{" and depth == depth_of_records:
                starts.append(match.start())
        elif token in (b"}", b"]"):
            depth -= 1
    return starts


def _whole_document(payload: bytes) -> list[tuple[int, dict]] | None:
    """(byte offset, record) of a document that parses whole, else None."""
    try:
        document = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return None
    if isinstance(document, list) and all(isinstance(item, dict) for item in document):
        records, depth = document, 2  # [ then {
    elif (inner := wrapped_records(document)) is not None:
        records, depth = inner, 3  # { then [ then {
    elif isinstance(document, dict):
        return [(len(payload) - len(payload.lstrip()), document)]
    else:
        return None
    starts = _record_starts(payload, depth)
    if len(starts) != len(records):
        return None
    return list(zip(starts, records, strict=True))


def _wrapped_lines(payload: bytes) -> list[tuple[int, dict]] | None:
    """(byte offset, record) of JSON lines that are each a wrapper or a record (Firehose writes
    several `{"Records": [...]}` objects one after another), else None."""
    found, offset = [], 0
    for line in payload.split(b"\n"):
        text = line.strip()
        if text:
            try:
                value = orjson.loads(text)
            except orjson.JSONDecodeError:
                return None
            inner = wrapped_records(value)
            if inner is None and not isinstance(value, dict):
                return None  # a line of another JSON value: not records; the line reader says why
            found += [(offset, record) for record in (inner if inner is not None else [value])]
        offset += len(line) + 1
    return found


def document_chunk(payload: bytes) -> LineChunk | None:
    """One chunk of the document's records as compact JSON lines, numbered by the line each starts on;
    None when the text is not a document of records (the caller then reads it line by line)."""
    records = _whole_document(payload)
    if records is None:
        records = _wrapped_lines(payload)
    if records is None:
        return None
    newlines = [m.start() for m in re.finditer(rb"\n", payload)]
    lines = [bisect.bisect_right(newlines, offset) + 1 for offset, _ in records]
    raws = [orjson.dumps(record).decode() for _, record in records]
    frame = pl.DataFrame(
        {"line": lines, "raw": raws},
        schema={"line": pl.Int64, "raw": pl.String},
    ).with_columns((pl.col("raw").str.len_bytes() + 1).cast(pl.Int64).alias("nbytes"))
    return LineChunk(frame, "".join(raw + "\n" for raw in raws).encode())
