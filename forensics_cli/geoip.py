"""Country and network (ASN) of an address, from MaxMind-format databases the user supplies.

Nothing is downloaded: `--geoip FILE.mmdb` names a GeoLite2/GeoIP2 Country, City or ASN database (or
any file in the MaxMind DB format, e.g. DB-IP's or IPinfo's), repeatable, read with MaxMind's own
reader (the optional `maxminddb` package: `pip install 'apiforensics[geoip]'`). Only distinct
addresses are looked up.
"""

from collections.abc import Callable
from pathlib import Path

import polars as pl

LOCATION_SCHEMA = {"ip": pl.String, "country": pl.String, "asn": pl.String}
Locator = Callable[[pl.Series], pl.DataFrame]


class GeoIPError(ValueError):
    """A --geoip database cannot be used (missing reader package, unreadable or not MaxMind DB)."""


def _country(record: dict) -> str | None:
    for key in ("country", "registered_country"):
        code = (record.get(key) or {}).get("iso_code")
        if code:
            return str(code)
    return None


def _asn(record: dict) -> str | None:
    number = record.get("autonomous_system_number")
    if number is None:
        return None
    organization = record.get("autonomous_system_organization")
    return f"AS{number}" + (f" {organization}" if organization else "")


def open_locator(paths: list[str]) -> Locator:
    """A function from a Series of addresses to LOCATION_SCHEMA rows (one per distinct address)."""
    try:
        import maxminddb
    except ImportError:
        raise GeoIPError("--geoip needs the maxminddb package: pip install 'apiforensics[geoip]'") from None
    readers = []
    for path in paths:
        try:
            readers.append(maxminddb.open_database(str(Path(path)), maxminddb.MODE_AUTO))
        except (OSError, ValueError, maxminddb.InvalidDatabaseError) as error:
            raise GeoIPError(f"--geoip {path}: not a readable MaxMind DB file ({error})") from None

    def lookup(address: str) -> tuple[str | None, str | None]:
        country = asn = None
        for reader in readers:
            try:
                record = reader.get(address)
            except (ValueError, TypeError):  # not an address, or IPv6 in an IPv4-only database
                continue
            if isinstance(record, dict):
                country = country or _country(record)
                asn = asn or _asn(record)
        return country, asn

    def locate(addresses: pl.Series) -> pl.DataFrame:
        distinct = addresses.drop_nulls().unique().sort().to_list()
        found = [lookup(a) for a in distinct]
        return pl.DataFrame(
            {"ip": distinct, "country": [c for c, _ in found], "asn": [a for _, a in found]},
            schema=LOCATION_SCHEMA,
        )

    return locate
