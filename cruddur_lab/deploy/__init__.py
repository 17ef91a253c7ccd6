"""Deployment for AWS: the Lambda stream handler (``handler.py``, zippable as-is) and the
CloudFormation/SAM template (``template.yaml``) that creates the table, the function, its
least-privilege role and the event source mapping."""
