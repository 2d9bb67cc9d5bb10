"""A string that a regular expression matches, built from its parsed form (like gitleaks' reggen).

Used by tools/import_gitleaks.py to turn gitleaks' `secrets.NewSecret(<regex>)` examples into fixed
strings; seeded, so the generated catalog is the same on every run."""

import random
import re
import string

try:  # Python 3.11+
    from re import _constants as C
    from re import _parser as P
except ImportError:  # pragma: no cover
    import sre_constants as C
    import sre_parse as P

_PRINTABLE = string.ascii_letters + string.digits
_CATEGORY = {
    C.CATEGORY_DIGIT: string.digits,
    C.CATEGORY_WORD: string.ascii_letters + string.digits + "_",
    C.CATEGORY_SPACE: " ",
    C.CATEGORY_NOT_DIGIT: string.ascii_letters,
    C.CATEGORY_NOT_WORD: "-.",
    C.CATEGORY_NOT_SPACE: _PRINTABLE,
}


def _charset(items, ignore_case: bool) -> str:
    chars: set[str] = set()
    negate = False
    for op, arg in items:
        if op is C.NEGATE:
            negate = True
        elif op is C.LITERAL:
            chars.add(chr(arg))
        elif op is C.RANGE:
            chars.update(chr(c) for c in range(arg[0], arg[1] + 1))
        elif op is C.CATEGORY:
            chars.update(_CATEGORY.get(arg, ""))
    if negate:
        chars = set(_PRINTABLE) - chars
    if ignore_case:
        chars |= {c.swapcase() for c in chars if c.isalpha()}
    return "".join(sorted(chars)) or "a"


def _emit(parsed, rng: random.Random, ignore_case: bool, out: list[str], groups: dict) -> None:
    for op, arg in parsed:
        if op is C.LITERAL:
            out.append(chr(arg))
        elif op is C.NOT_LITERAL:
            out.append("a" if chr(arg) != "a" else "b")
        elif op is C.ANY:
            out.append(rng.choice(_PRINTABLE))
        elif op is C.IN:
            out.append(rng.choice(_charset(arg, ignore_case)))
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", None)):
            low, high, sub = arg
            high = min(high, low + 8) if high is C.MAXREPEAT else high
            for _ in range(rng.randint(low, max(low, high))):
                _emit(sub, rng, ignore_case, out, groups)
        elif op is C.SUBPATTERN:
            group, add_flags, del_flags, sub = arg
            flags = (ignore_case or bool(add_flags & re.I)) and not del_flags & re.I
            start = len(out)
            _emit(sub, rng, flags, out, groups)
            if group:
                groups[group] = "".join(out[start:])
        elif op is C.BRANCH:
            _emit(rng.choice(arg[1]), rng, ignore_case, out, groups)
        elif op is C.GROUPREF:
            out.append(groups.get(arg, ""))
        elif op is C.CATEGORY:
            out.append(rng.choice(_CATEGORY.get(arg, "a")))
        # AT (anchors), ASSERT, ASSERT_NOT: nothing to emit


def sample(pattern: str, seed: str) -> str:
    """A string matching `pattern`, the same for the same seed."""
    parsed = P.parse(pattern)
    rng = random.Random(seed)
    out: list[str] = []
    _emit(parsed, rng, bool(parsed.state.flags & re.I), out, {})
    return "".join(out)
