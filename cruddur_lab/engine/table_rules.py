"""placeholder"""

RULES: dict = {}
