"""``python -m harness logs``: a stack's Lambda logs and API access logs, like ``sam logs``.

``FUNCTION`` (logical id or physical name, repeatable) or ``--all`` picks functions,
``--api [API]`` adds an API's access log (the stack's only API when none is named);
``--since``/``--until`` bound the time (default: the last 10 minutes), ``--filter`` takes
a CloudWatch Logs filter pattern, ``--follow`` keeps printing new events until Ctrl-C.
The target, stack name and region are settings (:mod:`harness.settings`), resolved like
pytest's; the rest are this command's own arguments, since they say what to show now and
mean nothing to a test session.

Where the logs come from:

* ``embedded``: the files of the running ``harness up`` its state file names
  (:mod:`harness.targets.embedded.up_state`), or with ``--work-dir`` those of a kept work
  dir (a failed session's, whose report prints this command); the filter pattern is
  applied here (:mod:`harness.logs.filter_pattern` says which subset);
* ``aws`` and ``localstack``: CloudWatch Logs, through boto3's usual credentials and
  endpoint (``AWS_ENDPOINT_URL`` for LocalStack) (:mod:`harness.logs.cloudwatch`).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from harness.cli.options import CommandLine, parse_command_line
from harness.logs.events import LogEvent, format_event, iso_time, use_colour
from harness.logs.files import LogsError, StackLogFiles, choose
from harness.logs.times import parse_time

DESCRIPTION = "Show a stack's Lambda function logs and API access logs, like sam logs."
DEFAULT_SINCE = "10m"


class _Reader(Protocol):
    poll_interval_s: float

    def read(self, since: float | None, until: float | None) -> list[LogEvent]: ...


class _Stack(Protocol):
    @property
    def where(self) -> str: ...

    def function_ids(self) -> list[str]: ...

    def api_ids(self) -> list[str]: ...

    def function(self, name: str) -> str: ...

    def reader(self, functions: Sequence[str], apis: Sequence[str], pattern: str) -> _Reader: ...


def main(argv: Sequence[str]) -> int:
    command = parse_command_line("logs", argv, DESCRIPTION, arguments=_arguments)
    arguments = command.arguments
    now = time.time()
    try:
        since = parse_time(arguments.since or DEFAULT_SINCE, now, "--since")
        until = None if arguments.until is None else parse_time(arguments.until, now, "--until")
        stack, alive = _stack(command)
        reader = stack.reader(
            _functions(stack, arguments), _apis(stack, arguments.api), arguments.filter or ""
        )
        colour = use_colour(sys.stdout)
        _show(reader.read(since, until), colour)
    except ValueError as error:  # a bad --since, --until or --filter
        print(f"harness logs: {error}", file=sys.stderr)
        return 2
    except LogsError as error:
        print(f"harness logs: {error}", file=sys.stderr)
        return 1
    if arguments.follow:
        return _follow(reader, since, colour, alive)
    return 0


def command_line(stack_name: str, work_dir: Path, since: float, until: float) -> str:
    """The command that shows a kept work dir's logs of every function between two times."""
    return (
        f"python -m harness logs --all --work-dir {work_dir} --stack-name {stack_name} "
        f"--since {iso_time(since)} --until {iso_time(until + 0.001)}"
    )


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "functions",
        nargs="*",
        metavar="FUNCTION",
        help="a function's logical id or physical name (repeatable)",
    )
    parser.add_argument("--all", action="store_true", help="every function of the stack")
    parser.add_argument(
        "--api",
        nargs="?",
        const="",
        metavar="API",
        help="also the access log of this API (logical id; default: the stack's only API)",
    )
    parser.add_argument(
        "--since", help=f"from this time: 30s, 10m, 1h, 2d ago or ISO (default {DEFAULT_SINCE})"
    )
    parser.add_argument("--until", help="up to this time, like --since (default: now)")
    parser.add_argument("--filter", help='a CloudWatch Logs filter pattern: ERROR, "a phrase", ...')
    parser.add_argument("--follow", action="store_true", help="keep printing new events")
    parser.add_argument(
        "--work-dir",
        type=Path,
        help="embedded: read this kept work dir instead of the running harness up",
    )


def _stack(command: CommandLine) -> tuple[_Stack, Callable[[], bool]]:
    """The stack whose logs to read, and a test of whether its logs can still grow."""
    settings, arguments = command.settings, command.arguments
    named = settings.stack_name
    if settings.target != "embedded":
        if not named:
            raise LogsError(
                f"name the stack with --stack-name (or HARNESS_STACK_NAME) on --target "
                f"{settings.target}"
            )
        return _cloudwatch_stack(named, settings.region), lambda: True
    if arguments.work_dir is not None:
        return _kept_stack(arguments.work_dir, named), lambda: True
    from harness.build.ownership import process_alive
    from harness.targets.embedded.up_state import read_running, state_file

    path = state_file(command.ini.root, os.environ)
    running = read_running(path)
    if running is None:
        raise LogsError(
            f"no running harness up (state file {path}): start one with "
            "`python -m harness up` in another shell, or read a kept work dir with --work-dir"
        )
    name = choose(named or list(running.stacks)[-1], running.stacks, "stack", running.describe())
    files = StackLogFiles(Path(running.log_dir), name, running.stacks[name].functions)
    return files, lambda: process_alive(running.pid)


def _kept_stack(work_dir: Path, named: str | None) -> StackLogFiles:
    from harness.targets.embedded.log_files import FUNCTION_LOG_DIR

    stacks = sorted(path.parent.name for path in work_dir.glob(f"*/{FUNCTION_LOG_DIR}"))
    if named is None:
        if len(stacks) != 1:
            raise LogsError(
                f"work dir {work_dir} holds the logs of {len(stacks)} stacks "
                f"({', '.join(stacks) or 'none'}): name one with --stack-name"
            )
        named = stacks[0]
    return StackLogFiles(work_dir, choose(named, stacks, "stack", f"work dir {work_dir}"))


def _cloudwatch_stack(stack_name: str, region: str) -> _Stack:
    from botocore.exceptions import BotoCoreError

    from harness.logs.cloudwatch import StackLogGroups
    from harness.targets.base import Endpoint, make_client

    endpoint = Endpoint(region=region)
    try:
        return StackLogGroups.discover(stack_name, lambda service: make_client(service, endpoint))
    except BotoCoreError as error:  # no credentials, endpoint unreachable
        raise LogsError(f"stack {stack_name!r} in {region}: {error}") from error


def _functions(stack: _Stack, arguments: argparse.Namespace) -> list[str]:
    known = ", ".join(stack.function_ids()) or "none"
    if arguments.all:
        if arguments.functions:
            raise LogsError("name functions or give --all, not both")
        return stack.function_ids()
    if not arguments.functions and arguments.api is None:
        raise LogsError(
            f"name a FUNCTION, or give --all or --api; {stack.where}'s functions: {known}"
        )
    return [stack.function(name) for name in arguments.functions]


def _apis(stack: _Stack, asked: str | None) -> list[str]:
    if asked is None:
        return []
    known = stack.api_ids()
    if asked:
        return [choose(asked, known, "API", stack.where)]
    if len(known) != 1:
        raise LogsError(
            f"{stack.where} has {len(known)} APIs ({', '.join(known) or 'none'}): "
            "name one with --api API"
        )
    return known


def _show(events: list[LogEvent], colour: bool) -> None:
    sys.stdout.write("".join(f"{format_event(event, colour=colour)}\n" for event in events))
    sys.stdout.flush()


def _follow(reader: _Reader, since: float, colour: bool, alive: Callable[[], bool]) -> int:
    """Print new events until Ctrl-C, or until the ``harness up`` writing them is gone."""
    try:
        while alive():
            time.sleep(reader.poll_interval_s)
            _show(reader.read(since, None), colour)
    except KeyboardInterrupt:
        return 0
    except LogsError as error:
        print(f"harness logs: {error}", file=sys.stderr)
        return 1
    _show(reader.read(since, None), colour)
    print("harness logs: the harness up writing these logs has stopped", file=sys.stderr)
    return 0
