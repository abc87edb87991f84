"""text2sql-harness: official-compatible Text-to-SQL evaluation, methods side by side, a leaderboard."""

__version__ = "0.1.0"
