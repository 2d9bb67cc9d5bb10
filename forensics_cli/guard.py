"""Nothing apiforensics writes lands in, above or through a link into the evidence.

Every output (`-o`, `--events`, `--rejects`, `--write-sanitized`) is checked against the PATHS
given and the input files read: by real path (symlinks resolved) and by inode (a hard link made by
`cp -al`, a bind mount). Files are then written new (a temporary file created exclusively, renamed into
place), so an existing name is never opened for writing, whatever it points at.
"""

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from forensics_cli.archives import split


class OutputError(Exception):
    """The report cannot be written where the user asked."""


def _identity(path: str) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


def is_within(path: str, root: str) -> bool:
    """Whether the real path `path` is `root` or under it (both resolved already)."""
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


class EvidenceGuard:
    """The places outputs must not touch: the given PATHS (and everything under them) and the inputs."""

    def __init__(self, paths: list[str], input_files: list[str]):
        self.roots = [os.path.realpath(p) for p in paths]
        self.root_ids = {i for i in map(_identity, self.roots) if i}
        disk_files = [split(f)[0] for f in input_files]
        self.files = {os.path.realpath(f) for f in disk_files}
        self.file_ids = {i for i in map(_identity, disk_files) if i}

    def _refuse(self, path: str, why: str):
        raise OutputError(f"refusing to write {path}: {why}")

    def _check_place(self, path: str) -> str:
        """The real path of an output; refused when it is an input or inside the given PATHS."""
        if os.path.islink(path):
            self._refuse(path, "it is a symbolic link (an output is never written through a link)")
        real = os.path.realpath(path)
        if real in self.files or _identity(real) in self.file_ids:
            self._refuse(path, "it is one of the input log files (or a hard link to one)")
        for root in self.roots:
            if is_within(real, root):
                self._refuse(path, f"it is inside the evidence ({root})")
        ancestor = os.path.dirname(real)
        while ancestor and ancestor != os.path.dirname(ancestor):
            if _identity(ancestor) in self.root_ids:  # the same directory under another name
                self._refuse(path, "it is inside the evidence (the same directory by another path)")
            ancestor = os.path.dirname(ancestor)
        return real

    def check_file(self, path: str) -> str:
        """Refuse an output file in the evidence, an input itself, or a link; returns its real path."""
        return self._check_place(path)

    def check_directory(self, path: str) -> str:
        """Refuse an output directory inside, above or linked into the evidence; returns its real path.

        An existing directory must hold no symbolic link and no hard link to an input."""
        real = self._check_place(path)
        for root in self.roots:
            if is_within(root, real):
                self._refuse(path, f"it holds the evidence ({root})")
        if os.path.isdir(real):
            for directory, subdirectories, files in os.walk(real):
                for name in subdirectories + files:
                    entry = os.path.join(directory, name)
                    if os.path.islink(entry):
                        self._refuse(path, f"it holds a symbolic link ({entry}); give a new directory")
                    if _identity(entry) in self.file_ids:
                        self._refuse(path, f"it holds a hard link to an input ({entry})")
        return real

    def check_entry(self, path: Path) -> None:
        """Before a file is written under a checked directory: no component of its path is a link."""
        for parent in [path, *path.parents]:
            if os.path.islink(parent):
                self._refuse(str(path), f"{parent} is a symbolic link")
        if _identity(str(path)) in self.file_ids:
            self._refuse(str(path), "it is a hard link to an input")


_WRITTEN: list[str] = []  # every output file this command wrote, for its evidence manifest


def record_output(path: str | Path) -> None:
    """Remember an output file this command wrote (write_new does it for every file it writes)."""
    _WRITTEN.append(os.path.abspath(path))


def outputs_written() -> list[str]:
    """The output files written since the command started, in the order they were written."""
    return list(_WRITTEN)


def forget_outputs() -> None:
    """A command starts: nothing written yet (tests run many commands in one process)."""
    _WRITTEN.clear()


def write_new(target: str | Path, write: Callable[[str], None]) -> None:
    """Call `write(temporary)` on a file created exclusively beside `target`, then rename it into place:
    an existing `target` (a link, a hard link to evidence) is replaced as a name, never written to."""
    directory = os.path.dirname(os.path.abspath(target)) or "."
    handle, temporary = tempfile.mkstemp(prefix=".apiforensics-", dir=directory)
    os.close(handle)
    try:
        write(temporary)
        os.replace(temporary, target)
        record_output(target)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def write_text(path: str, text: str, guard: EvidenceGuard) -> None:
    """Write `text` to `path` through a new temporary file and a rename; never in the evidence."""
    guard.check_file(path)

    def write(temporary: str):
        with open(temporary, "w", encoding="utf-8", newline="") as out:
            out.write(text)

    try:
        write_new(path, write)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc
