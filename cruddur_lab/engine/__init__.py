"""The engine layer: settings, the ``Lab``, the embedded services and the request trace
(``trace``: every request recorded in wire form and priced by ``pricing``).

Everything that knows *where* DynamoDB, Cognito and Postgres are lives here; the layers above
receive a ``Lab`` and never read the environment themselves.
"""

#: The modules of this layer (heavy imports stay inside them, so none is imported here).
__all__ = [
    "embedded",
    "lab",
    "motopatch",
    "motoserver",
    "postgres",
    "pricing",
    "settings",
    "trace",
    "upstate",
]
