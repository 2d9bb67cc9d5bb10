"""The command line: thin click commands over the library. The only module that imports click."""

import sys

import click

from forensics_cli import __version__
from forensics_cli.cli.commands import register
from forensics_cli.render.machine import OutputError
from forensics_cli.session import InputError


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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
    """
    ctx.obj = {"debug": debug}


register(cli)


def main(argv: list[str] | None = None):
    """Console-script entry point: one-line errors with exit code 2, tracebacks only with --debug."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        cli.main(args=args, prog_name="apiforensics", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2 if exc.exit_code == 1 else exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except (InputError, OutputError) as exc:
        click.echo(f"apiforensics: error: {exc}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.stderr.close()
        sys.exit(0)
    except Exception as exc:  # a bug: one line for the user, the traceback with --debug
        if debug:
            raise
        name = type(exc).__name__
        click.echo(
            f"apiforensics: internal error: {name}: {exc} (run again with --debug for details)", err=True
        )
        sys.exit(2)
