"""The app's service layer: access patterns A–D, their validation, and Pattern E's stream
processor. ``deploy/`` is the self-contained Lambda (it imports nothing from this package).
"""

#: The modules of this layer (heavy imports stay inside them, so none is imported here).
__all__ = [
    "deploy",
    "group_rows",
    "patterns",
    "stream_batches",
    "stream_report",
    "stream_runner",
    "stream_shards",
    "streams",
    "validation",
]
