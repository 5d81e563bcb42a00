"""The ``localstore`` command line: stacks, components and flavors.

Every failure is one line on stderr and exit status 2, with the registry left
as it was. The module imports nothing heavy, so the command starts fast.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings

from . import __version__
from ._exit_status import INTERRUPTED, USAGE_ERROR
from ._table import draws_boxes, render_table
from .client import Client
from .errors import LocalStoreError
from .models import (
    ARTIFACT_STORE,
    COMPONENT_TYPES,
    MODEL_DEPLOYER,
    ORCHESTRATOR,
    STEP_OPERATOR,
    label,
    with_article,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any, NoReturn, TextIO

    from hypothesis.database import ExampleDatabase

ACTIVE_MARK = "👉"


class UsageError(Exception):
    """Bad command-line input; the message is the whole one-line report."""


class _Formatter(argparse.HelpFormatter):
    """argparse's help formatter, told the terminal's width so that it need not import shutil."""

    def __init__(self, prog: str, **options: Any) -> None:
        options.setdefault("width", _terminal_columns() - 2)  # argparse's own margin
        super().__init__(prog, **options)


def _terminal_columns() -> int:
    """``COLUMNS``, else the terminal's width, else 80: what ``shutil.get_terminal_size`` says."""
    try:
        return int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        pass
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):
        return 80


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, not a usage dump."""

    def __init__(self, **options: Any) -> None:
        options.setdefault("formatter_class", _Formatter)
        super().__init__(**options)

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: error: {printable(message)} (see '{self.prog} --help')")


def _cli_name(component_type: str) -> str:
    return component_type.replace("_", "-")


class _Output:
    """Where the CLI writes, with tables in box characters when the stream takes them."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.ascii_only = not draws_boxes(stream.encoding, ACTIVE_MARK)
        self.encoding = "ascii" if self.ascii_only else stream.encoding

    def line(self, text: str = "") -> None:
        write_line(self.stream, text)

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[str]], **options: Any) -> None:
        if self.ascii_only:
            rows = [[cell.replace(ACTIVE_MARK, "*") for cell in row] for row in rows]
        # Escaped before the columns are measured, so the borders line up.
        rows = [[_encodable(cell, self.encoding) for cell in row] for row in rows]
        self.line(render_table(headers, rows, ascii_only=self.ascii_only, **options))


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The ``localstore`` argument parser; with *command*, only that group's sub-commands are filled in.

    Every group is listed either way (for ``--help`` and for errors); filling in
    one group instead of all of them is most of a command's start-up.
    """
    parser = _Parser(
        prog="localstore",
        description="Manage local artifact stores, their stacks and flavors. The registry"
        " lives in LOCALSTORE_CONFIG_PATH, or in the user's config directory.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    # An explicit prog spares argparse a help formatter per group.
    groups = parser.add_subparsers(dest="group", metavar="COMMAND", required=True, prog="localstore")
    for name, text, fill in _GROUPS:
        group = groups.add_parser(name, help=text)
        if command in (None, name):
            fill(group, name)
    return parser


def _group_of(argv: Sequence[str]) -> str | None:
    """The command group *argv* names first, if it names one: the only group the parser needs."""
    first = argv[0] if argv else None
    return first if any(first == name for name, _, _ in _GROUPS) else None


def _fill_stack(stack: argparse.ArgumentParser, name: str) -> None:
    actions = stack.add_subparsers(dest="action", metavar="ACTION", required=True, prog=f"localstore {name}")
    actions.add_parser("list", help="list stacks; the active one is marked").set_defaults(run=_stack_list)
    describe = actions.add_parser("describe", help="show a stack's components")
    describe.add_argument("name", nargs="?", help="stack name (default: the active stack)")
    describe.set_defaults(run=_stack_describe)
    register = actions.add_parser("register", help="register a stack from registered components")
    register.add_argument("name", help="name of the new stack")
    register.add_argument("-a", "--artifact-store", required=True, metavar="NAME", help="artifact store")
    register.add_argument("-o", "--orchestrator", required=True, metavar="NAME", help="orchestrator")
    register.add_argument("-s", "--step-operator", metavar="NAME", help="step operator")
    register.add_argument("-d", "--model-deployer", metavar="NAME", help="model deployer")
    register.add_argument("--set", action="store_true", help="make the new stack the active one")
    register.set_defaults(run=_stack_register)
    for action, run, text in (
        ("set", _stack_set, "make a stack active"),
        ("delete", _stack_delete, "delete a stack"),
    ):
        sub = actions.add_parser(action, help=text)
        sub.add_argument("name", help="stack name")
        sub.set_defaults(run=run)


def _fill_contract(contract: argparse.ArgumentParser, name: str) -> None:
    contract.description = (
        "Run the contract's table and its Hypothesis state machine on each TARGET; print a"
        " conformance table per operation and, for each cause of violation (most serious kind"
        " first: data, value, silent, error), the shortest program that shows it, runnable as"
        " pasted. Progress and the seed go to stderr. Safe on a store that does not confine its"
        " paths at all: outside a root, calls that change things name only a sandbox the run makes"
        " and removes, and a canary beside the root ends the run after a call that harms what"
        " holds it. Exit status: 0 conforming, 1 violations (or a run a store or its factory"
        " ended early, with the report of what was found), 2 bad input, 130 stopped by Ctrl-C"
        " and 143 by SIGTERM (after the report of what was found)."
    )
    contract.add_argument(
        "targets",
        nargs="*",
        metavar="TARGET",
        help="an artifact-store flavor: 'local' (the local store on the real disk and under pyfakefs;"
        " the default), 'memory', 's3' (on moto's server started for the run, or"
        " LOCALSTORE_S3_ENDPOINT), 'gcs' (gcp-storage-emulator, or LOCALSTORE_GCS_ENDPOINT), 'azure'"
        " (Azurite, or LOCALSTORE_AZURE_CONNECTION_STRING), or one a plugin registers (see"
        " 'localstore flavor list'); 'all' (every one of these whose packages are installed, and"
        " ZenML's); ZenML's own stores through the adapter (the zenml extra): 'zenml:local',"
        " 'zenml:s3', 'zenml:gcs', 'zenml:azure' (each on a server started for the run), or"
        " zenml:MODULE:FACTORY (a callable returning a fresh, empty ZenML artifact"
        " store); or MODULE:FACTORY (a callable returning a fresh, empty ArtifactStore; the"
        " current directory is importable; a 'capabilities' attribute on it declares what it"
        " cannot do)",
    )
    from .contract._settings import RUN_CALL_TIMEOUT, RUN_EXAMPLES, RUN_MAX_TIME, RUN_STEPS

    contract.add_argument(
        "--examples",
        type=_positive,
        default=RUN_EXAMPLES,
        help=f"random call sequences, each a fresh one (default {RUN_EXAMPLES})",
    )
    contract.add_argument(
        "--steps",
        type=_positive,
        default=RUN_STEPS,
        help=f"calls per sequence, at most (default {RUN_STEPS})",
    )
    contract.add_argument(
        "--seed",
        type=_seed,
        help="seed: the same store and seed give the same report (default: random, printed)",
    )
    contract.add_argument(
        "--max-time",
        type=_seconds,
        default=RUN_MAX_TIME,
        metavar="SECONDS",
        help="wall-clock budget for the whole run, shared by the targets: no row or example begins once"
        " it is spent, and rows left out are reported as not run (the verdict is then 'not judged"
        " to the end') (default: no limit; Ctrl-C or SIGTERM ends a run with the report so far)",
    )
    contract.add_argument(
        "--call-timeout",
        type=_seconds,
        default=RUN_CALL_TIMEOUT,
        metavar="SECONDS",
        help="a call on a store not on this disk that has not returned after SECONDS is reported as"
        " a violation of its own (the store hung), and the run goes on with a fresh store"
        f" (default {RUN_CALL_TIMEOUT:g})",
    )
    contract.add_argument(
        "--jobs",
        type=_positive,
        metavar="N",
        help="rows and random sequences run N at a time, in threads, each on a fresh store; the report"
        " is the same for any N (default: the target's own, 8 for stores behind a network and for"
        " factories, 1 for stores on this disk and for a factory whose 'threadsafe' attribute is false)",
    )
    contract.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="write only the reports (and errors): no seed and no progress on stderr (progress is one"
        " line rewritten in place on a terminal, a line every few seconds elsewhere)",
    )
    contract.add_argument(
        "--shard",
        type=_shard,
        metavar="K/N",
        help="run only the K-th of N disjoint parts of the work (every N-th row and random sequence),"
        " for N machines or CI jobs run with the same --seed; merge their --json reports with"
        " --merge (default: the whole run, 1/1)",
    )
    contract.add_argument(
        "--merge",
        action="store_true",
        help="the TARGETs are JSON reports of shards (--shard K/N --json FILE): print the report of"
        " the whole run they make up (and write it with --json)",
    )
    contract.add_argument("--json", metavar="FILE", help="also write the whole report to FILE as JSON")
    contract.add_argument(
        "--database",
        metavar="PATH|URL",
        help="keep Hypothesis's example database in a directory PATH, or on the Redis server at"
        " URL (redis://HOST:PORT/DB, for shards on many machines; needs the redis extra); shards"
        " that share it replay first what any of them saw fail (default: none, and no files are"
        " left behind)",
    )
    contract.add_argument("--markdown", action="store_true", help="print the contract document (CONTRACT.md)")
    contract.set_defaults(run=_contract)


def _example_database(spec: str | None) -> ExampleDatabase | None:
    """The database ``--database`` names, or a usage error saying what it should be."""
    from .contract._database import DatabaseError, example_database

    try:
        return example_database(spec)
    except DatabaseError as error:
        raise UsageError(f"localstore contract: error: --database {error}") from None


def _fill_flavor(flavor: argparse.ArgumentParser, name: str) -> None:
    actions = flavor.add_subparsers(dest="action", metavar="ACTION", required=True, prog=f"localstore {name}")
    flavor_list = actions.add_parser("list", help="list flavors, built in and from plugins")
    flavor_list.add_argument("--type", choices=[_cli_name(t) for t in COMPONENT_TYPES], help="only this type")
    flavor_list.set_defaults(run=_flavor_list)


def _fill_component(group: argparse.ArgumentParser, name: str) -> None:
    component_type = name.replace("-", "_")
    group.set_defaults(component_type=component_type)
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True, prog=f"localstore {name}")
    actions.add_parser("list", help=f"list {name}s").set_defaults(run=_component_list)
    describe = actions.add_parser("describe", help=f"show {with_article(name)}'s configuration")
    describe.add_argument("name", nargs="?", help="component name (default: the active stack's)")
    describe.set_defaults(run=_component_describe)
    register = actions.add_parser("register", help=f"register {with_article(name)}")
    register.add_argument("name", help="name of the new component")
    register.add_argument("-f", "--flavor", required=True, help="flavor (see 'localstore flavor list')")
    if component_type == ARTIFACT_STORE:
        register.add_argument(
            "--path", help="directory for the artifacts (default: <config dir>/local_stores/<id>)"
        )
    register.add_argument(
        "--option", action="append", default=[], metavar="KEY=VALUE", help="a flavor option; repeatable"
    )
    register.set_defaults(run=_component_register)
    delete = actions.add_parser("delete", help=f"delete {with_article(name)} no stack uses")
    delete.add_argument("name", help="component name")
    delete.set_defaults(run=_component_delete)


def _stack_list(client: Client, args: argparse.Namespace, out: _Output) -> None:
    stacks = client.list_stacks()
    active = client.active_stack_model.id_text
    extra = [kind for kind in (STEP_OPERATOR, MODEL_DEPLOYER) if any(kind in s.member_ids for s in stacks)]
    kinds = [ARTIFACT_STORE, ORCHESTRATOR, *extra]
    names = {c.id_text: c.name for c in client.list_components()}
    rows = [
        [ACTIVE_MARK if s.id_text == active else "", s.name]
        + [names[s.member_ids[k]] if k in s.member_ids else "" for k in kinds]
        for s in stacks
    ]
    out.table(["ACTIVE", "STACK NAME", *(k.upper() for k in kinds)], rows, centered=(0,))


def _stack_describe(client: Client, args: argparse.Namespace, out: _Output) -> None:
    stack = client.get_stack(args.name)
    active = stack.model.id_text == client.active_stack_model.id_text
    rows = [[kind.upper(), component.name] for kind, component in stack.components.items()]
    out.line(f"Stack Configuration: '{stack.name}'{' (ACTIVE)' if active else ''}")
    out.table(["COMPONENT_TYPE", "COMPONENT_NAME"], rows, lines_between_rows=True)


def _stack_register(client: Client, args: argparse.Namespace, out: _Output) -> None:
    members = {kind: getattr(args, kind) for kind in COMPONENT_TYPES if getattr(args, kind, None) is not None}
    stack = client.register_stack(args.name, members, set_active=args.set)
    out.line(f"Stack '{stack.name}' successfully registered!")
    if args.set:
        out.line(f"Active stack set to: '{stack.name}'")


def _stack_set(client: Client, args: argparse.Namespace, out: _Output) -> None:
    stack = client.activate_stack(args.name)
    out.line(f"Active stack set to: '{stack.name}'")


def _stack_delete(client: Client, args: argparse.Namespace, out: _Output) -> None:
    client.delete_stack(args.name)
    out.line(f"Deleted stack '{args.name}'.")


def _component_list(client: Client, args: argparse.Namespace, out: _Output) -> None:
    kind = args.component_type
    active = set(client.active_stack_model.member_ids.values())
    rows = [
        [ACTIVE_MARK if c.id_text in active else "", c.name, c.id_text, c.flavor]
        for c in client.list_components(kind)
    ]
    out.table(["ACTIVE", "NAME", "COMPONENT ID", "FLAVOR"], rows, centered=(0,))


def _component_describe(client: Client, args: argparse.Namespace, out: _Output) -> None:
    kind = args.component_type
    active_stack = client.active_stack
    preamble = []
    if args.name is None:
        component = active_stack.components.get(kind)
        if component is None:
            raise LocalStoreError(f"the active stack {active_stack.name!r} has no {label(kind)}: name one")
        preamble = [
            f"Running with active stack: '{active_stack.name}'",
            f"No component name given; using '{component.name}' from active stack.",
        ]
    else:
        component = client.get_component(kind, args.name)
    active = component.id_text in active_stack.model.member_ids.values()
    rows = [
        ["TYPE", component.type],
        ["FLAVOR", component.flavor],
        ["NAME", component.name],
        ["UUID", component.id_text],
    ]
    rows += [[key.upper(), str(value)] for key, value in sorted(client.describe_component(component).items())]
    for line in preamble:
        out.line(line)
    out.line(f"{kind.upper()} Component Configuration{' (ACTIVE)' if active else ''}")
    out.table(["COMPONENT_PROPERTY", "VALUE"], rows, lines_between_rows=True)


def _component_register(client: Client, args: argparse.Namespace, out: _Output) -> None:
    config: dict[str, Any] = {}
    for item in args.option:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"localstore: error: option {item!r}: expected KEY=VALUE")
        config[key] = value
    if getattr(args, "path", None) is not None:
        config["path"] = args.path
    component = client.register_component(args.component_type, args.name, args.flavor, config)
    out.line(f"Successfully registered {_cli_name(component.type)} '{component.name}'.")


def _component_delete(client: Client, args: argparse.Namespace, out: _Output) -> None:
    client.delete_component(args.component_type, args.name)
    out.line(f"Deleted {_cli_name(args.component_type)} '{args.name}'.")


#: The command groups: name, help, and what fills in its sub-commands.
_GROUPS: tuple[tuple[str, str, Callable[[argparse.ArgumentParser, str], None]], ...] = (
    ("stack", "list, describe, register, set and delete stacks", _fill_stack),
    *(
        (_cli_name(t), f"list, describe, register and delete {_cli_name(t)}s", _fill_component)
        for t in COMPONENT_TYPES
    ),
    ("contract", "check artifact stores against the filesystem-operation contract", _fill_contract),
    ("flavor", "list the flavors of each component type", _fill_flavor),
)


def _number(convert: Callable[[str], float], accept: Callable[[float], bool], expected: str) -> Any:
    """An argparse type: *convert* the text, and refuse a value *accept* rejects, naming both."""

    def parse(text: str) -> float:
        try:
            value = convert(text)
        except ValueError:
            value = None
        if value is None or not accept(value):
            raise argparse.ArgumentTypeError(f"{text!r}: expected {expected}")
        return value

    return parse


_positive = _number(int, lambda value: value >= 1, "a whole number of at least 1")
_seed = _number(int, lambda value: value >= 0, "a whole number of at least 0")
_seconds = _number(float, lambda value: 0 < value < float("inf"), "a number of seconds above 0")


def _shard(text: str) -> tuple[int, int]:
    """An argparse type: ``K/N`` for ``--shard``."""
    from .contract._shards import parse_shard

    try:
        return parse_shard(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _contract(client: Client, args: argparse.Namespace, out: _Output) -> int:
    from .contract import _command

    if args.markdown:
        out.stream.write(_command.markdown())
        return 0
    if args.json is not None and not os.path.isdir(os.path.dirname(os.path.abspath(args.json))):
        raise UsageError(f"localstore contract: error: --json {args.json!r}: its directory does not exist")
    if args.merge:
        given = [
            name
            for name in ("shard", "seed", "database", "jobs", "max_time")
            if getattr(args, name) is not None
        ]
        if given:
            raise UsageError(
                f"localstore contract: error: --merge takes the shards' reports alone, not"
                f" --{given[0].replace('_', '-')} (it belongs to the shards' runs)"
            )
        return _command.merge(args.targets, out=out.stream, err=sys.stderr, json_path=args.json)
    database = _example_database(args.database)
    return _command.run(
        args.targets or ["local"],
        examples=args.examples,
        steps=args.steps,
        seed=args.seed,
        max_time=args.max_time,
        jobs=args.jobs,
        quiet=args.quiet,
        json_path=args.json,
        database=database,
        shard=args.shard or (1, 1),
        call_timeout=args.call_timeout,
        out=out.stream,
        err=sys.stderr,
    )


def _flavor_list(client: Client, args: argparse.Namespace, out: _Output) -> None:
    kind = args.type.replace("-", "_") if args.type else None
    rows = [
        [f.type, f.name, "local" if f.local else "remote", f.description] for f in client.flavors.list(kind)
    ]
    out.table(["TYPE", "FLAVOR", "RUNS", "DESCRIPTION"], rows)


def main(
    argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """Run the CLI; returns the exit status (0 success, 2 bad input)."""
    out_stream = stdout or sys.stdout
    err_stream = stderr or sys.stderr
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            arguments = sys.argv[1:] if argv is None else list(argv)
            args = build_parser(_group_of(arguments)).parse_args(arguments)
            run: Callable[[Client, argparse.Namespace, _Output], int | None] = args.run
            status = run(Client(), args, _Output(out_stream))
        for warning in caught:
            write_line(err_stream, f"localstore: warning: {printable(str(warning.message))}")
    except UsageError as error:
        write_line(err_stream, str(error))
        return USAGE_ERROR
    except (LocalStoreError, OSError) as error:
        write_line(err_stream, f"localstore: error: {printable(str(error))}")
        return USAGE_ERROR
    except KeyboardInterrupt:
        write_line(err_stream, "localstore: interrupted")
        return INTERRUPTED
    except SystemExit as exit_:  # --help and --version
        return exit_.code if isinstance(exit_.code, int) else 0
    return status or 0


def printable(text: str) -> str:
    """*text* on one line: line breaks and other control characters escaped as in ``repr``."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def write_line(stream: TextIO, text: str) -> None:
    """Write *text* and a newline; what the stream cannot encode is written escaped."""
    try:
        stream.write(text + "\n")
    except UnicodeEncodeError:
        stream.write(_encodable(text, stream.encoding or "ascii") + "\n")


def _encodable(text: str, encoding: str) -> str:
    """*text* with what *encoding* cannot hold (and undecodable bytes) escaped."""
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return text.encode(encoding, "backslashreplace").decode(encoding)
    except LookupError:
        return text.encode("ascii", "backslashreplace").decode("ascii")
    return text


def run() -> NoReturn:
    """Console-script entry point."""
    sys.exit(main())
