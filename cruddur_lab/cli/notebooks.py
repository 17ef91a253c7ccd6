"""The notebooks' commands: JupyterLab on them, a headless run, and their stored outputs."""

from __future__ import annotations

import argparse

from cruddur_lab.cli.options import out, positive
from cruddur_lab.cli.registry import argument, command


@command("lab", "JupyterLab on the notebooks, every kernel on one shared engine")
@argument("--port", type=int, default=0, help="JupyterLab port (default: a free one)")
@argument("--notebooks", default=None, help="notebooks folder (./notebooks)")
def cmd_lab(args: argparse.Namespace) -> int:
    from cruddur_lab.notebook.lab_server import serve

    return serve(args, out)


@command("run", "run the notebooks headless (papermill) on one shared engine")
@argument("notebooks", nargs="*", help="notebooks to run: name or number (all)")
@argument(
    "-p",
    "--parameter",
    nargs=2,
    action="append",
    metavar=("NAME", "VALUE"),
    help="a notebook parameter, e.g. -p messages 500 (repeatable)",
)
@argument("--output", default="output", help="folder for executed copies (output)")
@argument("--keep-data", action="store_true", help="let notebooks build on each other's data")
@argument("--timeout", type=int, default=300, help="seconds per cell (300)")
@argument(
    "--jobs",
    type=int,
    help="notebooks at once, each on its own embedded engine (default: the core count)",
)
@argument(
    "--yes",
    action="store_true",
    help="on aws: confirm `-p reset True` and reseeding a non-empty table (parameter yes)",
)
def cmd_run(args: argparse.Namespace) -> int:
    import os
    from pathlib import Path

    from cruddur_lab.engine.settings import given_options, notebook_parameters, resolve_given
    from cruddur_lab.notebook import parallel, runner
    from cruddur_lab.notebook.files import discover

    notebooks = discover(args.notebooks)
    parameters = runner.parameters_from(args.parameter)
    if args.yes:
        # The notebooks' own confirmation parameter: on aws, reset and reseeding need it.
        parameters["yes"] = True
    # The engine options that decide notebook parameters (the table, the clock) reach the
    # kernels as parameters, from the resolved settings: --table-prefix as the table name.
    settings = resolve_given(args)
    for name, value in notebook_parameters(settings, given_options(args)).items():
        parameters.setdefault(name, value)
    output = Path(args.output)
    results = parallel.run(
        notebooks,
        settings,
        parameters=parameters,
        output=output,
        keep_data=args.keep_data,
        timeout=positive(args.timeout, "--timeout"),
        jobs=positive(args.jobs, "--jobs") if args.jobs is not None else os.cpu_count() or 1,
        out=out,
    )
    out()
    out(runner.summary(results, output))
    return 0 if all(result.ok for result in results) else 1


@command(
    "notebooks",
    "keep the stored notebooks clean and their outputs current",
    engine_options=frozenset(),
    why="it always runs the notebooks on a private embedded engine, as CI does; use "
    "`cruddur-lab run` to run them on another engine",
)
@argument("action", choices=("refresh", "check"), help="refresh outputs, or check")
@argument("notebooks", nargs="*", help="notebooks: name or number (all)")
def cmd_notebooks(args: argparse.Namespace) -> int:
    import nbformat

    from cruddur_lab.notebook.files import discover, problems, refresh

    notebooks = discover(args.notebooks)
    if args.action == "refresh":
        for notebook, changed in refresh(notebooks):
            out(f"{notebook.name}: {'refreshed' if changed else 'unchanged'}")
        return 0
    failing = 0
    for notebook in notebooks:
        found = problems(nbformat.read(notebook, as_version=4))
        failing += bool(found)
        out(f"{notebook.name}: {'clean' if not found else '; '.join(found)}")
    return 1 if failing else 0
