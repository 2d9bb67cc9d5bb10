"""Durations as people write them on the command line."""

UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}


def parse_duration(text: str) -> float:
    """'90s', '2m', '1h', '1d', '500ms', '1y' or plain seconds -> seconds (positive)."""
    value = text.strip().lower()
    for unit in sorted(UNITS, key=len, reverse=True):
        if value.endswith(unit):
            number = value[: -len(unit)]
            break
    else:
        unit, number = "s", value
    try:
        seconds = float(number) * UNITS[unit]
    except ValueError:
        raise ValueError(f"{text!r} is not a duration like 90s, 2m, 1h") from None
    if not seconds > 0:
        raise ValueError(f"{text!r} must be a positive duration")
    return seconds


def duration_label(seconds: float) -> str:
    """The shortest way parse_duration reads back: 120 -> '2m', 90 -> '90s', 86400 -> '1d', 0.5 -> '500ms'."""
    for unit in ("d", "h", "m", "s"):
        count = seconds / UNITS[unit]
        if count >= 1 and count == int(count):
            return f"{int(count)}{unit}"
    return f"{seconds * 1000:g}ms"
