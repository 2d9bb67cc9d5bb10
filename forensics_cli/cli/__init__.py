"""The command line: thin click commands over the library. The only package that imports click."""

import click
from polars.exceptions import PanicException

from forensics_cli import __version__
from forensics_cli.cache import CacheBusy, release_locks
from forensics_cli.cli.commands import register
from forensics_cli.guard import forget_outputs
from forensics_cli.render.machine import OutputError
from forensics_cli.render.safe import terminal_safe
from forensics_cli.session import InputError


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


class ForensicsGroup(click.Group):
    """Turns a user's mistake into the SPEC's one-line error with exit code 2, and a bug into a one-line
    error with exit code 3; --debug shows tracebacks."""

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
        except (Exception, PanicException) as exc:  # a bug (Polars panics are BaseExceptions): one line
            if ctx.obj and ctx.obj.get("debug"):
                raise
            raise InternalError(
                f"internal error: {type(exc).__name__}: {terminal_safe(str(exc))[:500]} "
                "(run again with --debug for the traceback)"
            ) from exc
        finally:
            release_locks()  # the command is done with the cache: `cache clear` may run


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


register(cli)


def main():
    """Console-script entry point."""
    cli(prog_name="apiforensics")
