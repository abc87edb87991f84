"""Evaluation: predictions in, verdicts and metrics out.

predictions (read, validate) -> execution (sandboxed SQLite) -> rules (when is a result correct)
-> scorer (the loop) -> metrics -> records (the run folder).
"""
