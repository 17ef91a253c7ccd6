"""What a data modeler reads from the command line: the catalogue and the exports."""

from __future__ import annotations

import argparse
import sys

from cruddur_lab.cli.options import open_lab, out
from cruddur_lab.cli.registry import argument, command


@command(
    "export",
    "the model as a NoSQL Workbench data model or a CloudFormation template",
    engine_options=frozenset({"table_name", "table_prefix", "now"}),
    why="an export is made from the model alone: only the table name and the sample data's "
    "clock apply",
)
@argument("format", choices=("workbench", "cloudformation"), help="workbench or cloudformation")
@argument("--output", default=None, metavar="FILE", help="write to FILE (stdout)")
def cmd_export(args: argparse.Namespace) -> None:
    from pathlib import Path

    from cruddur_lab.engine.settings import resolve_given
    from cruddur_lab.errors import CruddurLabError, InvalidArgument
    from cruddur_lab.modeling.exports import export

    # No engine is needed: the table name and the sample data's clock come from the settings.
    settings = resolve_given(args)
    text = export(args.format, table_name=settings.table_name, now=settings.now)
    if args.output is None:
        sys.stdout.write(text)
        return
    target = Path(args.output)
    if not target.parent.is_dir():
        raise InvalidArgument(
            f"--output {args.output}: folder {target.parent} does not exist; create it first"
        )
    # Written whole or not at all: a reader never sees half a template.
    partial = target.with_name(f".{target.name}.partial")
    try:
        partial.write_text(text)
        partial.replace(target)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise CruddurLabError(
            f"cannot write {target} ({error.strerror}): choose another --output"
        ) from None
    out(f"{args.format} export written to {target}")


@command("catalogue", "every access pattern: requests, keys, index and estimated cost a call")
@argument("--json", action="store_true", exclusive="shape", help="one JSON object per pattern")
@argument(
    "--markdown",
    action="store_true",
    exclusive="shape",
    help="write the catalogue block into --readme",
)
@argument("--readme", default="README.md", help="README to update (README.md)")
def cmd_catalogue(args: argparse.Namespace) -> None:
    from pathlib import Path

    from cruddur_lab.modeling.catalogue import measure_catalogue, to_json, write_readme_block
    from cruddur_lab.notebook.view_drawings import CatalogueTable

    with open_lab(args) as lab:
        entries, measured_on = measure_catalogue(lab)
    if args.json:
        out(to_json(entries))
    elif args.markdown:
        changed = write_readme_block(entries, Path(args.readme))
        out(f"{args.readme}: catalogue {'updated' if changed else 'already current'}")
    else:
        out(str(CatalogueTable(entries)))
    # Which data the figures come from, on stderr so --json and pipes stay clean.
    print(f"cruddur-lab: {measured_on}", file=sys.stderr, flush=True)
