"""The emulator's own tests, driving a tiny discord.py client through it."""
