"""The app's service layer: access patterns A–D, their validation, and Pattern E's stream
processor. ``deploy/`` is the self-contained Lambda (it imports nothing from this package).
"""
