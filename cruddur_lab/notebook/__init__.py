"""Notebook tooling: the notebook files, the papermill runner, the JupyterLab server and
the displays a learner reads.
"""

#: The modules of this layer (heavy imports stay inside them, so none is imported here).
__all__ = [
    "display",
    "export_display",
    "files",
    "lab_server",
    "parallel",
    "request_display",
    "runner",
    "view_drawings",
]
