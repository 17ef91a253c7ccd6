"""Deployment for AWS: the Lambda stream handler (``handler.py``, zippable as-is) and the
CloudFormation template (``template.yaml``) that creates the table, the function, its
least-privilege role and the event source mapping."""

from __future__ import annotations

import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
HANDLER_PATH = HERE / "handler.py"
TEMPLATE_PATH = HERE / "template.yaml"

__all__ = ["HANDLER_PATH", "HERE", "TEMPLATE_PATH", "build_zip"]


def build_zip(target: str | Path) -> Path:
    """Write the Lambda deployment package: ``handler.py`` alone, at the zip's root."""
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.write(HANDLER_PATH, arcname="handler.py")
    return path
