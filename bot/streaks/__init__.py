"""Reading streaks, progress and leaderboards: the rules, free of Discord and of the database."""
