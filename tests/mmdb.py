"""A minimal MaxMind DB writer for tests: IPv4 networks to small records, 24-bit search tree.

Written from the MaxMind DB File Format Specification 2.0 (https://maxmind.github.io/MaxMind-DB/):
a binary search tree over the address bits, 16 zero bytes, the data section, then the metadata map
after the marker b"\\xab\\xcd\\xefMaxMind.com". Only what the tests need: maps, strings, unsigned
integers, arrays; no pointers in the data section, no IPv6 tree.
"""

import ipaddress
import struct
from pathlib import Path

METADATA_MARKER = b"\xab\xcd\xefMaxMind.com"


def _control(type_number: int, size: int) -> bytes:
    if size < 29:
        head, tail = size, b""
    elif size < 285:
        head, tail = 29, bytes([size - 29])
    else:
        head, tail = 30, struct.pack(">H", size - 285)
    if type_number <= 7:
        return bytes([(type_number << 5) | head]) + tail
    return bytes([head, type_number - 7]) + tail  # extended type: type bits 0, then type - 7


def encode(value) -> bytes:
    """One value in the MaxMind DB data format."""
    if isinstance(value, str):
        raw = value.encode()
        return _control(2, len(raw)) + raw
    if isinstance(value, bool):
        return _control(14, int(value))
    if isinstance(value, int):
        raw = value.to_bytes((value.bit_length() + 7) // 8, "big") if value else b""
        type_number = 6 if value < 2**32 else 9  # uint32, uint64
        return _control(type_number, len(raw)) + raw
    if isinstance(value, dict):
        return _control(7, len(value)) + b"".join(encode(k) + encode(v) for k, v in value.items())
    if isinstance(value, list):
        return _control(11, len(value)) + b"".join(encode(v) for v in value)
    raise TypeError(type(value))


def _uint16(value: int) -> bytes:
    return _control(5, 2) + struct.pack(">H", value)


def _uint64(value: int) -> bytes:
    return _control(9, 8) + struct.pack(">Q", value)  # libmaxminddb insists on the declared types


def write_mmdb(path: Path, networks: dict[str, dict], database_type: str = "Test-Country") -> Path:
    """Write `networks` ({'203.0.113.0/24': {...record...}}) as an IPv4 MaxMind DB file."""
    # the trie: each node is [left, right]; a child is a node index, ("data", offset) or None
    nodes: list[list] = [[None, None]]
    data = b""
    for cidr, record in networks.items():
        network = ipaddress.IPv4Network(cidr)
        offset = len(data)
        data += encode(record)
        bits = int(network.network_address)
        node = 0
        for depth in range(network.prefixlen):
            bit = (bits >> (31 - depth)) & 1
            if depth == network.prefixlen - 1:
                nodes[node][bit] = ("data", offset)
            else:
                child = nodes[node][bit]
                if not isinstance(child, int):
                    nodes.append([None, None])
                    child = nodes[node][bit] = len(nodes) - 1
                node = child
    count = len(nodes)

    def record_value(child) -> int:
        if child is None:
            return count  # "no data"
        if isinstance(child, int):
            return child
        return count + 16 + child[1]

    tree = b"".join(record_value(a).to_bytes(3, "big") + record_value(b).to_bytes(3, "big") for a, b in nodes)
    metadata = (
        _control(7, 9)
        + encode("node_count")
        + _control(6, 4)
        + struct.pack(">I", count)
        + encode("record_size")
        + _uint16(24)
        + encode("ip_version")
        + _uint16(4)
        + encode("database_type")
        + encode(database_type)
        + encode("languages")
        + encode(["en"])
        + encode("binary_format_major_version")
        + _uint16(2)
        + encode("binary_format_minor_version")
        + _uint16(0)
        + encode("build_epoch")
        + _uint64(1_800_000_000)
        + encode("description")
        + encode({"en": "apiforensics test database"})
    )
    path.write_bytes(tree + b"\x00" * 16 + data + METADATA_MARKER + metadata)
    return path
