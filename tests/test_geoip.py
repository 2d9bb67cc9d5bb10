"""--geoip: MaxMind-format lookups of distinct addresses, and clear errors when it cannot be used."""

import sys

import polars as pl
import pytest

from forensics_cli.geoip import GeoIPError, open_locator
from tests.mmdb import write_mmdb


def test_lookups_of_addresses_the_database_may_not_know(tmp_path):
    db = write_mmdb(
        tmp_path / "asn.mmdb",
        {
            "203.0.113.0/24": {
                "autonomous_system_number": 64500,
                "autonomous_system_organization": "Example",
            },
            "198.51.100.0/24": {"registered_country": {"iso_code": "FR"}},
        },
    )
    locate = open_locator([str(db)])
    found = locate(pl.Series(["203.0.113.1", "198.51.100.9", "2001:db8::1", "bogus", None, "203.0.113.1"]))
    assert found.sort("ip").rows() == [
        ("198.51.100.9", "FR", None),  # registered_country where country is missing
        ("2001:db8::1", None, None),  # IPv6 in an IPv4-only database: not found, not an error
        ("203.0.113.1", None, "AS64500 Example"),
        ("bogus", None, None),
    ]


def test_two_databases_complete_each_other(tmp_path):
    country = write_mmdb(tmp_path / "c.mmdb", {"203.0.113.0/24": {"country": {"iso_code": "NL"}}})
    asn = write_mmdb(tmp_path / "a.mmdb", {"203.0.113.0/24": {"autonomous_system_number": 64500}})
    found = open_locator([str(country), str(asn)])(pl.Series(["203.0.113.7"]))
    assert found.rows() == [("203.0.113.7", "NL", "AS64500")]


def test_without_the_reader_package_the_message_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "maxminddb", None)  # import fails as if not installed
    with pytest.raises(GeoIPError, match=r"pip install 'apiforensics\[geoip\]'"):
        open_locator([str(tmp_path / "x.mmdb")])
