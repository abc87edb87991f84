"""Alembic migrations of the leaderboard store, applied by ``leaderboard.store.open_store``."""
