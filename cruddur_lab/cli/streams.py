"""Pattern E from the command line: apply the table's stream, or show where it stands."""

from __future__ import annotations

import argparse

from cruddur_lab.cli.options import open_lab, out, positive
from cruddur_lab.cli.registry import argument, command


@command("streams", "Pattern E: apply the table's stream to its group rows, as the Lambda does")
@argument(
    "action",
    choices=("process", "status"),
    help="process: read every pending record once; status: stream, shards, checkpoints, "
    "lag, last error",
)
@argument("--batch-size", type=int, default=100, help="records per handler event (100)")
def cmd_streams(args: argparse.Namespace) -> None:
    from cruddur_lab.app.streams import StreamProcessor
    from cruddur_lab.scripts.schema import require_table

    batch_size = positive(args.batch_size, "--batch-size")
    with open_lab(args) as lab:
        if args.action == "status":
            from cruddur_lab.app.stream_report import stream_status
            from cruddur_lab.notebook.display import format_mapping

            out(format_mapping(stream_status(lab)))
            return
        require_table(lab)  # a table that differs from the model is one line, not a half-move
        # From the stream's oldest record: replaying what was applied already changes nothing.
        out(str(StreamProcessor(lab, batch_size=batch_size).process_pending()))
