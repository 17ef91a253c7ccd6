"""``cruddur-lab up``: the embedded services in the foreground, shared with other programs.

It records its endpoints in a small state file so our own commands attach to it, prints the
``export`` lines for the bootcamp's scripts, and removes the file when it stops.
"""

from __future__ import annotations

import argparse
import os
import signal
import threading
from collections.abc import Callable
from pathlib import Path

from cruddur_lab.cli.options import open_lab
from cruddur_lab.engine import settings as settings_module
from cruddur_lab.errors import ConfigError


def serve(args: argparse.Namespace, out: Callable[[str], None]) -> int:
    if getattr(args, "engine", "embedded") not in ("embedded",):
        raise ConfigError("`up` runs the embedded engine only: drop --engine")
    state_file = Path(settings_module.state_path())
    running = settings_module.read_state(state_file)
    if running:
        raise ConfigError(
            f"an `up` is already running (pid {running['pid']}) at {running['endpoint_url']}: "
            "stop it first (Ctrl-C in its terminal)"
        )
    stop = threading.Event()
    with open_lab(args, attach=False, port=args.port) as lab:
        if not lab.owns_services:
            raise ConfigError(
                f"`up` starts its own services, but AWS_ENDPOINT_URL points at "
                f"{lab.settings.endpoint_url}: unset AWS_ENDPOINT_URL first"
            )
        if args.seed:
            _seed_everything(lab, out)
        # From here on Ctrl-C means "stop cleanly": a client that saw the state file or the
        # export lines may signal at once, before the stream processor has started.
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        settings_module.write_state(
            state_file,
            {
                "pid": os.getpid(),
                "endpoint_url": lab.settings.endpoint_url,
                "connection_url": lab.settings.connection_url,
                "table_name": lab.settings.table_name,
            },
        )
        lab.on_close(lambda: state_file.unlink(missing_ok=True))
        for line in startup_lines(lab):
            out(line)
        _start_stream_processor(lab, out)
        stop.wait()
        out("stopping: services shut down, temporary data removed")
    return 0


def startup_lines(lab) -> list[str]:
    return [
        f"cruddur-lab up: {lab.describe_engine()}",
        "export these where the bootcamp's scripts run (cruddur-lab commands find this by"
        " themselves):",
        f"export AWS_ENDPOINT_URL={lab.settings.endpoint_url}",
        f"export CONNECTION_URL='{lab.settings.connection_url}'",
        f"export DDB_MESSAGE_TABLE={lab.settings.table_name}",
        "press Ctrl-C to stop",
    ]


def _seed_everything(lab, out: Callable[[str], None]) -> None:
    from cruddur_lab.scripts.cognito import seed_user_pool
    from cruddur_lab.scripts.schema import schema_load
    from cruddur_lab.scripts.seed import seed

    out(str(schema_load(lab)))
    out(str(seed(lab)))
    out(f"user pool {seed_user_pool(lab)} seeded")


def _start_stream_processor(lab, out: Callable[[str], None]) -> None:
    """Pattern E as the Lambda would run it: every message row any client writes to this
    endpoint moves its group rows. The processor waits for the table (a client may load the
    schema after `up` started) and follows a dropped and re-created table's new stream."""
    from cruddur_lab.app.streams import StreamProcessor

    StreamProcessor(lab).start()  # stopped by lab.close()
    out(f"stream processor: running in the background on table {lab.settings.table_name!r}")
