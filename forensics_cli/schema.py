"""The one normalized event schema every analysis works on (documented in docs/schema.md)."""

import polars as pl

TS_DTYPE = pl.Datetime("us", "UTC")

# Column name -> dtype, in output order. Every parsed log line becomes exactly one row.
EVENT_SCHEMA: dict[str, pl.DataType] = {
    "ts": TS_DTYPE,  # event time in UTC, microseconds; null when the line has no usable timestamp
    "ts_whole_seconds": pl.Boolean,  # the source wrote whole seconds only (nginx): no sub-second order
    "file": pl.String,  # path as found from the PATHS given
    "line": pl.Int64,  # 1-based line number in the decompressed file
    "file_rank": pl.Int32,  # rotation order of the file across the whole run (0 = oldest)
    "service": pl.String,  # from the directory or file name, or a mapped field
    "request_id": pl.String,  # correlation ID, whichever alias carried it
    "event": pl.String,  # event name / type / message
    "method": pl.String,
    "path": pl.String,  # URL path without the query string
    "query": pl.String,
    "status": pl.Int32,  # HTTP status code
    "ip": pl.String,  # client address, without a port
    "port": pl.Int32,  # client port, where the address was written ip:port
    "forwarded_for": pl.String,  # X-Forwarded-For / True-Client-IP as logged, kept apart from ip
    "user": pl.String,
    "user_agent": pl.String,
    "outcome": pl.String,  # "success", "failure" or null, as the log family's value maps declare
    "auth": pl.Boolean,  # the family declares the line an authentication attempt (null: it declares none)
    "reason": pl.String,  # failure reason or detail text where the log gives one
    "action": pl.String,  # audit action (role_change, create, delete ...)
    "target": pl.String,  # what the action was done to (users/bob, namespaces/foo)
    "level": pl.String,  # lower-cased log level
    "duration_ms": pl.Float64,
    "bytes_sent": pl.Int64,  # response bytes sent to the client (the body where the log counts only it)
    "raw": pl.String,  # the line as read (lenient UTF-8)
}


def empty_events() -> pl.DataFrame:
    """A zero-row frame with the event schema."""
    return pl.DataFrame(schema=EVENT_SCHEMA)


REJECT_SCHEMA: dict[str, pl.DataType] = {
    "file": pl.String,
    "line": pl.Int64,
    "reason": pl.String,  # empty_line, not_json, cut_short, invalid_json, too_long, not_an_object
    "detail": pl.String,  # the parser's own words, where it gave any
    "raw": pl.String,  # the whole line (a preview of REJECT_PREVIEW characters for over-long lines)
}
REJECT_PREVIEW = 200
