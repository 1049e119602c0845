"""Manifesto Bot's core: plain Python that knows nothing of Discord.

Everything a reading group relies on (texts, search, rules, storage) lives here so that it can be
tested without a Discord connection; the Discord layer in ``cogs`` only translates.
"""
