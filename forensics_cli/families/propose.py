"""A field map proposed from the keys of sampled records, for a log no family recognises.

The proposal is a starting point a person edits (`formats detect` prints it as TOML to pass back with
--field-map): each canonical field gets the sampled key path whose last name looks most like it.
"""

import re
from collections import Counter

# canonical field -> regex on a key's last name (lower-cased, separators removed), most telling first
HINTS: dict[str, tuple[str, ...]] = {
    "ts": (
        r"^(timestamp|time|ts|datetime|eventtime|createdat|date|published|when|logged)$",
        r"time|date|when",
    ),
    "request_id": (r"^(requestid|correlationid|traceid|reqid|xrequestid)$", r"(request|correlation|trace)id"),
    "ip": (r"^(ip|clientip|sourceip|remoteaddr|remoteip|ipaddress|srcip|callerip)$", r"ip$|addr"),
    "user": (r"^(user|username|userid|login|principal|actor|account|email|upn)$", r"user|actor|principal"),
    "user_agent": (r"^(useragent|ua|agent)$", r"agent"),
    "method": (r"^(method|httpmethod|verb|requestmethod)$",),
    "path": (r"^(path|uri|url|requesturi|requestpath|endpoint|route)$", r"path|uri"),
    "status": (r"^(status|statuscode|httpstatus|responsecode|code)$", r"status"),
    "event": (r"^(event|eventtype|eventname|action|operation|type|msg|message)$",),
    "outcome": (r"^(outcome|result|success|succeeded)$",),
    "reason": (r"^(reason|error|errormessage|failurereason)$",),
}


def _leaf_paths(value, prefix: str = "") -> list[str]:
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in _leaf_paths(item, f"{prefix}{key}.")]
    return [prefix[:-1]] if prefix else []


def propose_field_map(records: list[dict]) -> dict[str, str]:
    """canonical field -> the sampled key path that most looks like it (each path used once)."""
    counts = Counter(path for record in records for path in _leaf_paths(record))
    paths = sorted(counts, key=lambda p: (-counts[p], p.count("."), p))
    proposal: dict[str, str] = {}
    used: set[str] = set()
    for field, hints in HINTS.items():
        for hint in hints:
            found = next(
                (
                    p
                    for p in paths
                    if p not in used
                    and re.search(hint, re.sub(r"[^a-z0-9]", "", p.rsplit(".", 1)[-1].lower()))
                ),
                None,
            )
            if found:
                proposal[field] = found
                used.add(found)
                break
    return proposal


def as_toml(proposal: dict[str, str], where: str) -> str:
    """The proposal as a --field-map TOML file."""
    lines = [f"# proposed by apiforensics formats detect for {where}: check each path, then --field-map"]
    lines += [f'{field} = "{path}"' for field, path in proposal.items()]
    return "\n".join(lines) + "\n"
