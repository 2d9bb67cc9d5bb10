"""Decode JSON lines into one column per wanted path, with Polars' batch reader and a safe fallback.

Polars 2.x `read_ndjson` with an explicit schema is the fast path (docs/performance.md): String
leaves accept any JSON value (numbers and objects arrive as text), so only two things can abort a
batch: an invalid JSON line, and a non-object where the schema says Struct. The schema therefore
declares Struct only for keys that were objects in every sampled line, and a batch that still fails
is re-read line-checked (orjson) with String containers, decoded one level at a time.
"""

import io
from dataclasses import dataclass, field

import orjson
import polars as pl
from polars.exceptions import PanicException

SAMPLE_LINES = 200
# what a batch read can raise: Polars errors, and Rust panics (BaseExceptions) on inputs it did not expect
POLARS_FAILURES = (pl.exceptions.PolarsError, PanicException)
MAX_JSON_LINE_BYTES = 4 << 20


@dataclass
class PathTree:
    """The JSON keys to extract: `children` for objects, `leaf` when the value itself is wanted."""

    leaf: bool = False
    children: dict[str, "PathTree"] = field(default_factory=dict)
    # wanted paths go below it (even if pruned from this chunk): an object here is a container, never
    # the leaf's value, whether this chunk reads it as a Struct or as text (so a line's values do not
    # depend on the lines read with it)
    container: bool = False


def build_tree(paths: list[str]) -> PathTree:
    """A tree of the dotted paths; `a.b` is also looked up as the literal key "a.b" (ECS writes both)."""
    root = PathTree()
    for path in paths:
        literal = root.children.setdefault(path, PathTree())
        literal.leaf = True
        node = root
        for part in path.split("."):
            node = node.children.setdefault(part, PathTree())
        node.leaf = True
    return root


def _seen_keys(sample: list[str]) -> set[str]:
    """Every object key, at any depth, of the sampled lines."""
    keys: set[str] = set()

    def visit(value):
        if isinstance(value, dict):
            keys.update(value)
            for item in value.values():
                visit(item)
        elif isinstance(value, list):
            for item in value:
                visit(item)
        elif isinstance(value, str) and value.startswith("{"):  # JSON held in a string (AuditData, log)
            try:
                visit(orjson.loads(value))
            except orjson.JSONDecodeError:
                pass

    for text in sample:
        try:
            visit(orjson.loads(text))
        except orjson.JSONDecodeError:
            continue
    return keys


def _prune(node: PathTree, seen: set[str], removed: set[str]) -> PathTree:
    kept = {}
    for key, child in node.children.items():
        if key in seen or key.isdigit():  # a digit is a list index (`events.0.name`), never an object key
            kept[key] = _prune(child, seen, removed)
        else:
            removed.add(key)
    return PathTree(node.leaf, kept, node.container or bool(node.children))


def prune_to_present(tree: PathTree, lines: pl.Series, sample: list[str]) -> PathTree:
    """The wanted keys that occur in this chunk: every schema key is a column to build, so keys no sampled
    line has are dropped, after one Aho-Corasick pass proves that no line of the chunk has them either."""
    removed: set[str] = set()
    pruned = _prune(tree, _seen_keys(sample), removed)
    if not pruned.children:
        return tree  # an empty schema would let Polars skip parsing, and so accept invalid lines
    if not removed:
        return pruned
    if lines.str.contains_any([f'"{key}"' for key in removed]).any():
        return tree  # a key beyond the sample (or a look-alike in a value): keep the whole schema
    # a key of JSON held in a string value is written with escaped quotes: only such lines can hold one
    escaped = lines.filter(lines.str.contains('\\"', literal=True))
    if escaped.len() and escaped.str.contains_any([f'\\"{key}\\"' for key in removed]).any():
        return tree  # a key beyond the sample (or a look-alike in a value): keep the whole schema
    return pruned


def _sample_kinds(lines: list[str], tree: PathTree) -> dict[tuple, set[str]]:
    """For each container path of the tree, the JSON kinds seen in the sample: 'object' / 'other'."""
    kinds: dict[tuple, set[str]] = {}

    def visit(value, node: PathTree, prefix: tuple):
        for key, child in node.children.items():
            if not child.children or key not in value:
                continue
            item = value[key]
            kinds.setdefault(prefix + (key,), set()).add("object" if isinstance(item, dict) else "other")
            if isinstance(item, dict):
                visit(item, child, prefix + (key,))

    for text in lines:
        try:
            value = orjson.loads(text)
        except orjson.JSONDecodeError:
            continue
        if isinstance(value, dict):
            visit(value, PathTree(children=tree.children), ())
    return kinds


def _dtype(node: PathTree, kinds: dict[tuple, set[str]] | None, prefix: tuple) -> pl.DataType:
    if not node.children or kinds is None or kinds.get(prefix) != {"object"}:
        return pl.String
    return pl.Struct({key: _dtype(child, kinds, prefix + (key,)) for key, child in node.children.items()})


def _schema(tree: PathTree, kinds: dict[tuple, set[str]] | None) -> dict[str, pl.DataType]:
    return {key: _dtype(child, kinds, (key,)) for key, child in tree.children.items()}


def _read(lines: pl.Series, schema: dict[str, pl.DataType], payload: bytes | None = None) -> pl.DataFrame:
    """Decode `lines` (all JSON objects); `payload`, when given, is their newline-joined UTF-8 text."""
    if payload is None:
        payload = (lines.str.join("\n").item() if lines.len() else "").encode()
    frame = pl.read_ndjson(io.BytesIO(payload), schema=schema)
    if frame.height != lines.len():
        raise pl.exceptions.ComputeError("row count mismatch")
    return frame


def _read_aligned(values: pl.Series, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """Decode nested object texts one row per value; a value that will not decode gives a null row.
    Each is tried as written, then with its control characters escaped (see _escape_controls)."""
    for texts in (values, _escape_controls(values)):
        try:
            return _read(texts, schema)
        except POLARS_FAILURES:
            continue
    rows = []
    for text in values.to_list():
        for candidate in (text, _escape_controls(pl.Series([text])).item()):
            try:
                rows.append(_read(pl.Series([candidate]), schema))
                break
            except POLARS_FAILURES:
                continue
        else:
            rows.append(pl.DataFrame({k: [None] for k in schema}, schema=schema))
    return pl.concat(rows)


def _flatten(frame: pl.DataFrame, tree: PathTree, prefix: str = "") -> dict[str, pl.Series]:
    """Leaf path -> String series; String containers holding objects are decoded one more level."""
    out: dict[str, pl.Series] = {}
    for key, node in tree.children.items():
        column = frame[key]
        name = f"{prefix}{key}"
        if column.null_count() == column.len():
            continue  # absent in this chunk: the normalizer treats a missing path as null
        if isinstance(column.dtype, pl.Struct):
            for path, values in _flatten(column.struct.unnest(), node, name + ".").items():
                _put(out, path, values)
            continue
        if node.leaf and (node.container or node.children):
            _put(out, name, pl.select(pl.when(~column.str.starts_with("{")).then(column)).to_series())
        elif node.leaf:
            _put(out, name, column)
        if node.children:
            _flatten_text(out, column, node, name)
    return out


def _flatten_text(out: dict[str, pl.Series], column: pl.Series, node: PathTree, name: str):
    """Wanted paths below a String column: objects held as text are decoded one more level, and the
    first item of an array (path segment `0`: Okta `target.0`, Workspace `events.0`) is taken."""
    is_object = column.str.starts_with("{").fill_null(False)
    if is_object.any():
        objects = column.filter(is_object)
        decoded = _read_aligned(objects, _schema(node, None))
        for path, values in _flatten(decoded, node, name + ".").items():
            full = pl.Series(path, [None] * column.len(), dtype=pl.String)
            _put(out, path, full.scatter(is_object.arg_true(), values))
    first_item = node.children.get("0")
    is_array = column.str.starts_with("[").fill_null(False)
    if first_item is not None and is_array.any():
        wrapped = ('{"v":' + column.filter(is_array) + "}").rename("v")
        items = _read_aligned(wrapped, {"v": pl.List(pl.String)})["v"].list.first()
        empty = pl.Series("0", [None] * column.len(), dtype=pl.String)
        found = pl.DataFrame({"0": empty.scatter(is_array.arg_true(), items)})
        for path, values in _flatten(found, PathTree(children={"0": first_item}), name + ".").items():
            _put(out, path, values)


_CONTROLS = [chr(code) for code in range(0x20)]
_CONTROL_ESCAPES = [f"\\u{code:04x}" for code in range(0x20)]


def _escape_controls(texts: pl.Series) -> pl.Series:
    """Polars hands a nested object back as text with its escaped control characters unescaped (a
    `\\u001b` in a value becomes a raw ESC), which no JSON reader accepts: escape them again, or the
    object's values would be lost (attacker-written escapes would hide a field). Only a retry: in JSON
    held in a string (Docker's `log`), a newline outside the strings is whitespace, not to be escaped."""
    if not texts.str.contains(r"[\x00-\x1f]").any():
        return texts
    return texts.str.replace_many(_CONTROLS, _CONTROL_ESCAPES)


def _put(out: dict[str, pl.Series], path: str, values: pl.Series):
    """Store a path's values; `a.b` nested and the literal key "a.b" share a name: the first non-null wins."""
    out[path] = out[path].fill_null(values) if path in out else values.alias(path)


def leaf_paths(node: PathTree, prefix: str = "") -> list[str]:
    """Every wanted path below `node`."""
    paths = []
    for key, child in node.children.items():
        if child.leaf:
            paths.append(prefix + key)
        paths.extend(leaf_paths(child, f"{prefix}{key}."))
    return paths


def decode_objects(
    lines: pl.Series, tree: PathTree, payload: bytes | None = None
) -> tuple[dict[str, pl.Series], list[tuple[int, str]]]:
    """Decode lines that look like JSON objects into {path: values}, and list the (index, error) of
    those that are not valid JSON objects after all. Result rows line up with the valid lines."""
    sample = lines.head(SAMPLE_LINES).to_list()
    tree = prune_to_present(tree, lines, sample)
    try:
        frame = _read(lines, _schema(tree, _sample_kinds(sample, tree)), payload)
        return _flatten(frame, tree), []
    except POLARS_FAILURES:
        pass
    invalid: list[tuple[int, str]] = []
    for index, text in enumerate(lines.to_list()):  # error path only: find the offending lines
        try:
            if not isinstance(orjson.loads(text), dict):
                invalid.append((index, "JSON value is not an object"))
        except orjson.JSONDecodeError as exc:
            invalid.append((index, str(exc)))
    keep = pl.Series([True] * lines.len())
    if invalid:
        keep = keep.scatter([i for i, _ in invalid], False)
    valid = lines.filter(keep)
    try:
        frame = _read(valid, _schema(tree, None))
    except POLARS_FAILURES:
        return _decode_one_by_one(valid, tree, keep, invalid)
    return _flatten(frame, tree), invalid


def _decode_one_by_one(valid: pl.Series, tree: PathTree, keep: pl.Series, invalid: list) -> tuple:
    """Last resort when orjson and Polars disagree about a line: each line on its own."""
    frames, positions = [], keep.arg_true().to_list()
    for position, text in zip(positions, valid.to_list(), strict=True):
        try:
            frames.append(_flatten(_read(pl.Series([text]), _schema(tree, None)), tree))
        except POLARS_FAILURES as exc:
            invalid.append((position, str(exc).splitlines()[0]))
    invalid.sort()
    if not frames:
        return {}, invalid
    rows = [pl.DataFrame({"_row": [i], **values}) for i, values in enumerate(frames)]
    combined = pl.concat(rows, how="diagonal").drop("_row")
    return {path: combined[path] for path in combined.columns}, invalid
