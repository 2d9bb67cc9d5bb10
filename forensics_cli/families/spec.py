"""The declarative shape of a log family: how to recognise it and where its meaning lives.

A family is data, not code: a recogniser (keys and values every record of the family has), field paths
per canonical field in order of preference, value maps for outcomes and event names, the unit of each
duration field, and the paths that name the service. Every family carries examples that the test suite
runs (tests/test_families.py): a record as the vendor documents or a public fixture shows it, and the
canonical values a person reads in it.
"""

from dataclasses import dataclass, field
from enum import StrEnum


class Outcome(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"


@dataclass(frozen=True)
class Recogniser:
    """Every record of the family has all of `keys` (dotted paths; `a|b` for either), and each `values`
    path matches its regex (Python `re.search`, case-sensitive). More keys make a more specific family."""

    keys: tuple[str, ...] = ()
    values: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class OutcomeMap:
    """What the values of one field mean. Values compare case-insensitively; `others` is what any other
    non-empty value means (an error code field: 0 is success, every other code a failure), None to
    leave it unknown. Maps are tried in order, the first one that gives an outcome wins."""

    path: str
    success: tuple[str, ...] = ()
    failure: tuple[str, ...] = ()
    others: Outcome | None = None
    success_pattern: str | None = None  # a regex (Rust syntax) on the text, where values are inside one
    failure_pattern: str | None = None


@dataclass(frozen=True)
class AuthWhen:
    """A record is an authentication attempt when `path` matches `regex` (Rust regex syntax, on the
    text as logged). The outcome maps then say whether it failed."""

    path: str
    regex: str


@dataclass(frozen=True)
class Example:
    """One record of the family and the canonical values it must give (column -> text as printed;
    `ts` as ISO 8601 UTC with microseconds, e.g. 2026-11-18T10:00:00.000000+00:00)."""

    record: str
    expect: dict[str, str]


# Duration units and their factor to milliseconds
UNITS_TO_MS = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1000.0}


@dataclass(frozen=True)
class LogFamily:
    """One log family (a product's log, or a logging library's output)."""

    name: str
    title: str  # what a person calls it
    recogniser: Recogniser
    fields: dict[str, tuple[str, ...]]  # canonical field -> paths, first non-empty wins
    outcomes: tuple[OutcomeMap, ...] = ()
    auth_when: tuple[AuthWhen, ...] = ()
    event_names: dict[str, str] = field(default_factory=dict)  # raw event code -> readable name
    # canonical field -> ((path, regex with one group), ...): values held inside a text (Keycloak's
    # `type=LOGIN_ERROR, username=alice` message), tried after the field's paths
    patterns: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    time_zone: str | None = None  # zone of times written without an offset; None: the user's --tz
    durations: tuple[tuple[str, str], ...] = ()  # (path, unit) in order of preference
    service: tuple[str, ...] = ()  # paths naming the service inside the record
    source: str = ""  # where the field meanings come from (vendor documentation, fixture)
    examples: tuple[Example, ...] = ()

    def paths(self) -> list[str]:
        """Every JSON path this family reads, for the parser's extraction tree."""
        found = [p for paths in self.fields.values() for p in paths]
        found += [m.path for m in self.outcomes] + [a.path for a in self.auth_when]
        found += [p for p, _ in self.durations] + list(self.service)
        found += [p for pairs in self.patterns.values() for p, _ in pairs]
        return list(dict.fromkeys(found))

    def over(self, family: "LogFamily") -> "LogFamily":
        """This (user) format's declarations in front of `family`'s: its paths are tried first."""

        def merged(first: dict, second: dict) -> dict:
            keys = list(dict.fromkeys([*first, *second]))
            return {k: tuple(dict.fromkeys(first.get(k, ()) + second.get(k, ()))) for k in keys}

        return LogFamily(
            name=f"{family.name}+{self.name}",
            title=f"{family.title}, with {self.title}",
            recogniser=family.recogniser,
            fields=merged(self.fields, family.fields),
            outcomes=self.outcomes + family.outcomes,
            auth_when=self.auth_when + family.auth_when,
            event_names={**family.event_names, **self.event_names},
            patterns=merged(self.patterns, family.patterns),
            time_zone=self.time_zone or family.time_zone,
            durations=self.durations + family.durations,
            service=self.service + family.service,
            source=family.source,
        )
