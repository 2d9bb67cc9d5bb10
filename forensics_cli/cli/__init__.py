"""The command line: thin click commands over the library. The only package that imports click.

A command's module is imported when that command runs (click's lazy-loading pattern): `apiforensics
--version` and `--help` load neither Polars nor any analysis, so a runbook calling the tool many times
does not pay for them each time.
"""

import importlib
import os
import signal
import sys

import click

from forensics_cli import __version__
from forensics_cli.errors import CacheBusy, InputError
from forensics_cli.guard import OutputError, forget_outputs

# name -> (module, attribute, the first paragraph of the command's help, listed by `apiforensics --help`
# without importing the module; tests/test_docs.py checks it against the command's own help)
COMMANDS = {
    "ingest": ("forensics_cli.cli.commands", "ingest", "Read the logs and report the health of every file."),
    "timeline": (
        "forensics_cli.cli.commands",
        "timeline",
        "What one request (or address, or account) did, in time order, across services and files.",
    ),
    "bruteforce": (
        "forensics_cli.cli.commands",
        "bruteforce",
        "Auth-failure bursts: brute force, password spraying, distributed brute force, credential stuffing.",
    ),
    "takeover": (
        "forensics_cli.cli.commands",
        "takeover",
        "What each account that got in did next: the events after the success, across services.",
    ),
    "scan-secrets": (
        "forensics_cli.cli.commands",
        "scan_secrets",
        "Credentials, tokens, keys and card numbers that leaked into the logs, masked.",
    ),
    "gaps": (
        "forensics_cli.cli.commands",
        "gaps",
        "Stretches of time the logs do not cover, and signs of tampering or damage, per service.",
    ),
    "verify": (
        "forensics_cli.cli.verify_command",
        "verify",
        "Prove the logs were not altered: CloudTrail digests, hash chains, an evidence manifest.",
    ),
    "report": (
        "forensics_cli.cli.report_command",
        "report",
        "One incident report of every analysis: what was read, attacks, takeovers, secrets, coverage.",
    ),
    "cache": (
        "forensics_cli.cli.commands",
        "cache",
        "Manage the normalized-event cache (Parquet per input file, in the user cache directory).",
    ),
    "formats": (
        "forensics_cli.cli.formats_command",
        "formats",
        "List the log families read without configuration (docs/formats.md).",
    ),
}


class UserError(click.ClickException):
    """One line on stderr, exit code 2 (the SPEC's usage or input error)."""

    exit_code = 2

    def format_message(self) -> str:
        return self.message


class InternalError(click.ClickException):
    """One line on stderr, exit code 3: the tool failed (a bug), not the user."""

    exit_code = 3

    def format_message(self) -> str:
        return self.message


def _release_cache_locks() -> None:
    """The command is done with the cache: `cache clear` may run (no cache module loaded: no lock)."""
    cache = sys.modules.get("forensics_cli.cache")
    if cache is not None:
        cache.release_locks()


class ForensicsGroup(click.Group):
    """Loads a command when it runs; turns a user's mistake into the SPEC's one-line error with exit code 2,
    and a bug into a one-line error with exit code 3; --debug shows tracebacks."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, attribute, _ = COMMANDS[name]
        return getattr(importlib.import_module(module), attribute)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of --help from COMMANDS, without importing a command (what click would print)."""
        limit = formatter.width - 6 - max(len(name) for name in COMMANDS)
        rows = [
            (name, click.Command(name, help=COMMANDS[name][2]).get_short_help_str(limit))
            for name in self.list_commands(ctx)
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["argv"] = list(args)  # the command line as given, for an evidence manifest
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context):
        forget_outputs()  # a new command has written nothing yet
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except (InputError, OutputError, CacheBusy) as exc:
            raise UserError(str(exc)) from exc
        except BrokenPipeError:
            raise click.exceptions.Exit(0) from None
        except (SystemExit, KeyboardInterrupt, GeneratorExit):
            raise
        except BaseException as exc:  # a bug (Polars panics are BaseExceptions): one line
            if ctx.obj and ctx.obj.get("debug"):
                raise
            from forensics_cli.render.safe import terminal_safe

            raise InternalError(
                f"internal error: {type(exc).__name__}: {terminal_safe(str(exc))[:500]} "
                "(run again with --debug for the traceback)"
            ) from exc
        finally:
            _release_cache_locks()


@click.group(
    cls=ForensicsGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}
)
@click.version_option(__version__, "--version", prog_name="apiforensics")
@click.option("--debug", is_flag=True, help="Show the full traceback of an unexpected error.")
@click.pass_context
def cli(ctx: click.Context, debug: bool):
    """Offline forensics over rotated JSON API logs (plain or compressed).

    Every command reads PATHS (files or directories, searched recursively; default
    $APIFORENSICS_LOGS, else the current directory) and prints findings on stdout,
    progress and the ingest summary on stderr.

    \b
    Exit codes: 0 ran, nothing found (timeline: events found; ingest: all read)
                1 ran, findings reported (timeline: no match; ingest: damage)
                2 usage or input error
                3 internal error (a bug in apiforensics: please report it)
    """
    ctx.obj = {"debug": debug}


def main():
    """Console-script entry point."""
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    cli(prog_name="apiforensics")


def _stop_on_sigterm(signum, frame):
    """`timeout`, a runbook or a service manager stops the tool with SIGTERM, which by default ends
    Python without its exit handlers: the scratch directories of parsed events (raw log lines, tokens
    included) would stay in the temporary directory. Remove them, then stop at once (a normal exit
    would first wait for the worker threads to finish reading): 128 + 15, as a shell reports it."""
    if "multiprocessing" in sys.modules:  # worker processes would go on writing parts: stop them first
        for child in sys.modules["multiprocessing"].active_children():
            child.terminate()
            child.join(timeout=5)
    store = sys.modules.get("forensics_cli.event_store")  # not loaded: nothing was written yet
    if store is not None:
        store.remove_scratch_dirs()
    os._exit(128 + signum)
