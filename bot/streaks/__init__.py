"""Reading streaks, progress, leaderboards and reminders, free of Discord.

The rules (``rules``, ``progress``, ``leaderboard``, ``heatmap``) and the wording (``render``) are
pure functions; ``reminders`` decides which reminder DMs go out, through storage, on an injected
clock, so the Discord layer only supplies how to send a DM.
"""
