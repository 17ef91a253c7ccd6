"""The command line (``cruddur-lab``): argument parsing, ``up`` and the walkthrough."""

from cruddur_lab.cli.commands import main

__all__ = ["main"]
