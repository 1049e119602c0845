"""The browser layer: the texts as a public reader, and members' own pages behind Discord login.

A sibling of ``cogs/`` and just as thin: routes and templates that call ``bot/``. It never imports
discord; who is a member of which server comes through :class:`bot.membership.MembershipSource`.
"""

from web.app import create_app
from web.context import WebContext

__all__ = ["WebContext", "create_app"]
