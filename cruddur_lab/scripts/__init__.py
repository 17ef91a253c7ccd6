"""The week-5 scripts: schema-load, seed, scan, the two read scripts, Cognito and the users
database. Each is a function over a ``Lab``; the CLI and the notebooks call them.
"""
