"""The engine layer: settings, the ``Lab``, the embedded services, the billing layer in
front of moto (``billing``: the ConsumedCapacity AWS would bill, priced by ``pricing``) and
the request trace (``trace``: every request recorded in wire form with the engine's figure).

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
