"""The engine layer: settings, the ``Lab``, the embedded services and the request trace
(``trace``: every request recorded in wire form and priced by ``pricing``).

Everything that knows *where* DynamoDB, Cognito and Postgres are lives here; the layers above
receive a ``Lab`` and never read the environment themselves.
"""
