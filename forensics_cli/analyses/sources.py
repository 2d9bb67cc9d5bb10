"""Which attempts come from one source: an IPv4 address, or an IPv6 network of `--v6-prefix` bits.

An attacker with an IPv6 allocation (a /64 is what one customer line or one cloud instance gets) can
send every try from a new address; grouping IPv6 sources by their network makes that one source again,
as fail2ban's and CrowdSec's IPv6 prefix options do.
"""

import ipaddress

import polars as pl

DEFAULT_V6_PREFIX = 64


def _network(address: str, prefix: int) -> str | None:
    try:
        parsed = ipaddress.IPv6Address(address.split("%", 1)[0])  # a zone index (fe80::1%eth0) is dropped
    except ValueError:
        return address  # not an IPv6 address as written: the value itself is the source
    if parsed.ipv4_mapped:
        return str(parsed.ipv4_mapped)  # ::ffff:192.0.2.1 is the IPv4 client 192.0.2.1
    return str(ipaddress.IPv6Network((parsed, prefix), strict=False))


def with_source(frame: pl.DataFrame, v6_prefix: int = DEFAULT_V6_PREFIX) -> pl.DataFrame:
    """Add `source`: `ip` for IPv4 (and anything not IPv6), the `/v6_prefix` network for IPv6.

    Only the distinct IPv6 values are parsed (in Python, with `ipaddress`), then joined back, so the cost
    grows with the addresses, not with the attempts.
    """
    v6 = frame.select(pl.col("ip").filter(pl.col("ip").str.contains(":", literal=True)).unique()).to_series()
    if v6.is_empty() or v6_prefix >= 128:
        return frame.with_columns(pl.col("ip").alias("source"))
    networks = pl.DataFrame(
        {"ip": v6, "source": [_network(a, v6_prefix) for a in v6.to_list()]},
        schema={"ip": pl.String, "source": pl.String},
    )
    joined = frame.join(networks, on="ip", how="left", maintain_order="left")
    return joined.with_columns(pl.col("source").fill_null(pl.col("ip")))
