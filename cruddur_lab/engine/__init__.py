"""The engine layer: settings, the ``Lab``, the embedded services, the billing layer in
front of moto (``billing``: the ConsumedCapacity AWS would bill, priced by ``pricing``) and
the request trace (``trace``: every request recorded in wire form with the engine's figure),
and the rules in front of moto that refuse what DynamoDB refuses (``request_rules`` with
``table_rules``, ``request_limits``, ``numbers``, ``legacy_parameters``, ``idempotency``,
``refusal``; ``moto_fixes`` and ``json_errors`` where moto's own answer differs), and
moto's costs that AWS does not have (``motopatch`` with ``partition_pages``: costs that grow
with the table; ``attribute_values`` and ``request_overhead``: work moto repeats on every
request).

Everything that knows *where* DynamoDB, Cognito and Postgres are lives here; the layers above
receive a ``Lab`` and never read the environment themselves.
"""

#: The modules of this layer (heavy imports stay inside them, so none is imported here).
__all__ = [
    "attribute_values",
    "billing",
    "embedded",
    "idempotency",
    "json_errors",
    "lab",
    "legacy_parameters",
    "moto_fixes",
    "motopatch",
    "motoserver",
    "numbers",
    "partition_pages",
    "postgres",
    "pricing",
    "private_files",
    "refusal",
    "request_limits",
    "request_overhead",
    "request_rules",
    "settings",
    "table_rules",
    "trace",
    "upstate",
    "wire",
]
