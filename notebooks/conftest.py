"""nbval runs each notebook in a fresh kernel; make that kernel start its own private engine.

The stored outputs were made on a private embedded engine (``cruddur-lab notebooks
refresh``). A developer's ``AWS_ENDPOINT_URL``, ``CONNECTION_URL`` or running
``cruddur-lab up`` would otherwise reach the kernels (they inherit this process's
environment), change the outputs, and write into that developer's services.
"""

from __future__ import annotations

import os
import tempfile

from cruddur_lab.notebook.files import ENGINE_VARIABLES


def pytest_configure(config):
    for name in ENGINE_VARIABLES:
        os.environ.pop(name, None)
    os.environ["CRUDDUR_LAB_STATE"] = os.path.join(
        tempfile.gettempdir(), "cruddur-lab-nbval-none.json"
    )
    # The debugger's frozen-modules notice would otherwise land in the kernel's stderr.
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
