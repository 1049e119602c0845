"""Scheduled prompts: recurrence rules, rendering what to post, and the scheduler core.

Plain Python with no Discord import: the scheduler is handed a clock and a "poster", so the same
code runs under the bot, in unit tests with a fake clock, and in the benchmark.
"""
