"""text2sql-harness: official-compatible Text-to-SQL evaluation and a leaderboard."""

__version__ = "0.1.0"
