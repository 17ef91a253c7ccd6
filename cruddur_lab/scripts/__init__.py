"""The week-5 scripts: schema-load, seed, scan, the two read scripts, Cognito and the users
database. Each is a function over a ``Lab``; the CLI and the notebooks call them.
"""

#: The modules of this layer (heavy imports stay inside them, so none is imported here).
__all__ = [
    "cognito",
    "lesson_data",
    "reads",
    "schema",
    "seed",
    "usersdb",
]
