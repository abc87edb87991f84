"""Alembic migrations of the leaderboard store, applied by ``harness.store.open_store``."""
