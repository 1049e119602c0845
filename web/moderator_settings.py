"""The server's settings page for moderators, ``/mod/{guild_id}/settings``: every ``/settings``
key in one form.

Each value is checked by :data:`bot.actions.settings.RULES` (the checks ``/settings`` uses) before
any is stored, so one bad field changes nothing; then each changed key goes through
:func:`~bot.actions.settings.change_setting`, with its audit entry. The moderator role and the
log channel are chosen from the server's own roles and channels, and an id that is not one of
them is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from aiohttp import web
from aiohttp_session import get_session

from bot.actions.settings import RULES, change_setting
from bot.errors import BotError
from bot.i18n import N_, _
from bot.membership import ServerLayout
from bot.storage.guild_settings import get_settings
from bot.timezones import all_timezones
from web.moderator import PREFIX, Moderating, layout_of, moderator_page
from web.render import CONTEXT_KEY, render


@dataclass(frozen=True, slots=True)
class Field:
    key: str
    label: str
    hint: str
    kind: str
    """``zone``, ``role``, ``channel``, ``number``, ``flag`` or ``cadence``: how it is picked."""


FIELDS: Final = (
    Field("timezone", N_("Time zone"), N_("For prompts’ times and members’ days."), "zone"),
    Field(
        "moderator_role_id",
        N_("Moderator role"),
        N_("Members with it may use moderator commands and these pages; Manage Server always may."),
        "role",
    ),
    Field(
        "log_channel_id",
        N_("Log channel"),
        N_("Where the bot tells moderators about problems; none sends a direct message instead."),
        "channel",
    ),
    Field(
        "prompt_grace_minutes",
        N_("Late prompts, minutes"),
        N_("A prompt missed by less than this still posts late (0 skips every missed one)."),
        "number",
    ),
    Field(
        "meeting_voice_minutes",
        N_("Voice minutes that count as attending"),
        N_("Minutes in a meeting’s voice channel."),
        "number",
    ),
    Field(
        "meeting_from_events",
        N_("Meetings from Discord events"),
        N_("A scheduled event starting and ending opens and closes a meeting."),
        "flag",
    ),
    Field(
        "streak_freezes_per_week",
        N_("Streak freezes per week"),
        N_("Days a week a streak survives without reading (0–6)."),
        "number",
    ),
    Field(
        "streak_counts_attendance",
        N_("Attending counts as reading"),
        N_("Whether attending a meeting counts as a streak day."),
        "flag",
    ),
    Field(
        "streak_cadence",
        N_("Streaks"),
        N_("Daily, or weekly for groups that meet weekly."),
        "cadence",
    ),
    Field(
        "audit_retention_days",
        N_("Audit log kept, days"),
        N_("How long each moderator change stays in the audit log."),
        "number",
    ),
    Field(
        "language",
        N_("Language of the bot's posts"),
        N_("Prompts and meeting check-ins; automatic follows the server's Discord language."),
        "language",
    ),
)


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def _check(field: Field, raw: str, layout: ServerLayout) -> Any:
    """The value to store, checked by the setting's own rule (and the server's ids)."""
    if field.kind == "role" and raw and raw not in {str(r.id) for r in layout.roles}:
        raise BotError(_("Choose one of this server’s roles, or none."))
    if field.kind == "channel" and raw and raw not in {str(c.id) for c in layout.channels}:
        raise BotError(_("Choose one of this server’s text channels, or none."))
    return RULES[field.key](raw if raw or field.kind not in ("role", "channel") else None)


async def _page(
    request: web.Request,
    mod: Moderating,
    values: dict[str, str],
    errors: dict[str, str],
    flash: str,
    status: int = 200,
) -> web.Response:
    return await render(
        request,
        "mod_settings.html",
        status=status,
        title=_("Settings · {server}").format(server=mod.server),
        mod=mod,
        section="settings",
        fields=FIELDS,
        values=values,
        errors=errors,
        layout=await layout_of(request, mod.guild_id),
        zones=all_timezones(),
        flash=flash,
    )


async def settings_page(request: web.Request, mod: Moderating) -> web.StreamResponse:
    stored = await get_settings(request.app[CONTEXT_KEY].db, mod.guild_id)
    values = {f.key: _shown(stored.get(f.key)) for f in FIELDS}
    session = await get_session(request)
    flash = session.pop("flash", "")
    return await _page(request, mod, values, {}, flash if isinstance(flash, str) else "")


async def save(request: web.Request, mod: Moderating) -> web.StreamResponse:
    context = request.app[CONTEXT_KEY]
    form = await request.post()
    values = {f.key: str(form.get(f.key, "")).strip()[:100] for f in FIELDS}
    layout = await layout_of(request, mod.guild_id)
    stored = await get_settings(context.db, mod.guild_id)
    errors: dict[str, str] = {}
    changed: dict[str, Any] = {}
    for field in FIELDS:
        try:
            checked = _check(field, values[field.key], layout)
        except BotError as exc:
            errors[field.key] = exc.message
            continue
        if checked != stored.get(field.key):
            changed[field.key] = values[field.key] or None
    if errors:
        return await _page(request, mod, values, errors, "", status=400)
    now = context.clock()
    for key, value in changed.items():
        await change_setting(context.db, mod.actor, key, value, now=now)
    if "timezone" in changed:
        context.reminders_changed()
    session = await get_session(request)
    names = ", ".join(_(f.label) for f in FIELDS if f.key in changed)
    session["flash"] = (
        _("Saved: {names}.").format(names=names) if changed else _("Nothing was changed.")
    )
    raise web.HTTPSeeOther(f"{mod.base}/settings")


def add_routes(app: web.Application) -> None:
    app.router.add_get(PREFIX + "/settings", moderator_page(settings_page))
    app.router.add_post(PREFIX + "/settings", moderator_page(save))


__all__ = ["FIELDS", "add_routes"]
