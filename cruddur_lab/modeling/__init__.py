"""Modeling artifacts built on the app and the cost rules: what each pattern costs, the
access-pattern catalogue, index views and exports of the model.
"""
