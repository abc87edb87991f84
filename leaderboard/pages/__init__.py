"""The app's pages, one module each; all reads go through ``leaderboard.queries``."""
