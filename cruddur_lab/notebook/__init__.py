"""Notebook tooling: the notebook files, the papermill runner with its warm kernels and
longest-first schedule, the JupyterLab server and the displays a learner reads.
"""

#: The modules of this layer (heavy imports stay inside them, so none is imported here).
__all__ = [
    "display",
    "export_display",
    "files",
    "kernel_template",
    "kernels",
    "lab_server",
    "parallel",
    "request_display",
    "runner",
    "schedule",
    "view_drawings",
    "worker_imports",
]
