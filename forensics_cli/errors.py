"""The errors the command line turns into exit code 2, in a module that imports nothing heavy: the CLI
group catches them before any command (and Polars) is loaded."""


class InputError(Exception):
    """Bad input the user can fix (exit code 2)."""


class CacheBusy(Exception):
    """Another apiforensics command is reading the cache."""
