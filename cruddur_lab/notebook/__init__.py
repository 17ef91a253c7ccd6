"""Notebook tooling: the notebook files, the papermill runner, the JupyterLab server and
the displays a learner reads.
"""
