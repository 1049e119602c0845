"""The gateway: a WebSocket speaking Discord's v10 JSON protocol to the bot.

HELLO, IDENTIFY (token, intents, privileged intents, shard) and READY followed by one GUILD_CREATE
per server, heartbeats and their ACKs, RESUME with replay of every event the client missed, and the
server-side faults a bot must survive: closes with any code (1006 is a dropped TCP connection with
no close frame), opcode 7 RECONNECT and opcode 9 INVALID SESSION with or without ``d: true``.

Every dispatched event is logged per session with its sequence number, whether a connection is open
or not, so a RESUME replays exactly what the client did not acknowledge through its sequence.
Events are only sent to sessions whose intents ask for them, and message content is emptied for
sessions without the MESSAGE_CONTENT intent, as Discord does.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from aiohttp import WSMsgType, web

from tests.emulator.permissions import ALL_INTENTS, PRIVILEGED_INTENTS, Intent

if TYPE_CHECKING:
    from tests.emulator.server import Emulator

log = logging.getLogger(__name__)

DISPATCH: Final = 0
HEARTBEAT: Final = 1
IDENTIFY: Final = 2
PRESENCE_UPDATE: Final = 3
VOICE_STATE_UPDATE: Final = 4
RESUME: Final = 6
RECONNECT: Final = 7
REQUEST_GUILD_MEMBERS: Final = 8
INVALID_SESSION: Final = 9
HELLO: Final = 10
HEARTBEAT_ACK: Final = 11

CLOSE_REASONS: Final = {
    4000: "Unknown error",
    4001: "Unknown opcode",
    4002: "Decode error",
    4003: "Not authenticated",
    4004: "Authentication failed",
    4005: "Already authenticated",
    4007: "Invalid seq",
    4008: "Rate limited",
    4009: "Session timed out",
    4010: "Invalid shard",
    4011: "Sharding required",
    4012: "Invalid API version",
    4013: "Invalid intent(s)",
    4014: "Disallowed intent(s)",
}

LOG_LIMIT: Final = 5000

GUILDS_PER_SHARD: Final = 2500
"""Discord closes a session with 4011 (sharding required) above this many servers per shard."""
IDENTIFY_WINDOW: Final = 5.0
"""Seconds: each rate-limit bucket (``shard_id % max_concurrency``) allows one IDENTIFY per window,
for the whole bot (every process), not per connection."""

_GUILD_EVENTS = ("GUILD_", "CHANNEL_", "THREAD_")


def required_intent(event: str, guild_id: int | None) -> int:
    """The intent a session needs to receive ``event`` (0: always sent)."""
    if event.startswith("GUILD_MEMBER_") and event != "GUILD_MEMBERS_CHUNK":
        return Intent.GUILD_MEMBERS
    if event.startswith("GUILD_SCHEDULED_EVENT_"):
        return Intent.GUILD_SCHEDULED_EVENTS
    if event == "VOICE_STATE_UPDATE":
        return Intent.GUILD_VOICE_STATES
    if event.startswith("MESSAGE_REACTION_"):
        return Intent.GUILD_MESSAGE_REACTIONS if guild_id else Intent.DIRECT_MESSAGE_REACTIONS
    if event.startswith("MESSAGE_"):
        return Intent.GUILD_MESSAGES if guild_id else Intent.DIRECT_MESSAGES
    if event.startswith(_GUILD_EVENTS):
        return Intent.GUILDS
    return 0


@dataclass(eq=False)
class Session:
    id: str
    intents: int
    shard: tuple[int, int]
    created_index: int
    seq: int = 0
    log: deque[tuple[int, str]] = field(default_factory=lambda: deque(maxlen=LOG_LIMIT))
    connection: Connection | None = None
    invalid: bool = False

    def covers(self, guild_id: int | None) -> bool:
        shard_id, count = self.shard
        if guild_id is None:
            return shard_id == 0
        return (guild_id >> 22) % count == shard_id


@dataclass(eq=False)
class Connection:
    index: int
    ws: web.WebSocketResponse
    request: web.Request
    query: dict[str, str]
    queue: asyncio.Queue[str | None] = field(default_factory=asyncio.Queue)
    session: Session | None = None
    outcome: str | None = None
    """``"identified"`` or ``"resumed"`` once the client is in; ``None`` before."""
    replayed: int = 0
    heartbeats: int = 0
    closed: bool = False
    close_code: int | None = None
    closed_by_server: bool = False
    received: list[dict[str, Any]] = field(default_factory=list)
    writer: asyncio.Task[None] | None = None

    def send(self, payload: dict[str, Any]) -> None:
        self.queue.put_nowait(json.dumps(payload, separators=(",", ":")))

    def send_raw(self, text: str) -> None:
        self.queue.put_nowait(text)


@dataclass(frozen=True)
class DispatchedEvent:
    session_id: str
    seq: int
    type: str
    data: Any


class Gateway:
    """All gateway connections and sessions of one emulator."""

    def __init__(self, emu: Emulator, *, heartbeat_interval: float) -> None:
        self._emu = emu
        self.heartbeat_interval = heartbeat_interval
        self.sessions: dict[str, Session] = {}
        self.connections: list[Connection] = []
        self.events: list[DispatchedEvent] = []
        self.identifies = 0
        self.resumes = 0
        self.heartbeats = 0
        self.ack_heartbeats = True
        self.presence_updates: list[Any] = []
        self.voice_requests: list[Any] = []
        self.max_concurrency = 1
        """What ``/gateway/bot`` reports; Discord raises it (16 and up) for large bots."""
        self.identify_violations: list[tuple[int, int]] = []
        """``(shard_id, shard_count)`` of each IDENTIFY sent before its bucket's window passed:
        recorded, not refused, so a test decides whether a bot must respect the limit."""
        self._bucket_last_identify: dict[int, float] = {}

    # --- public state ----------------------------------------------------------------------------

    @property
    def live(self) -> list[Connection]:
        """Connections that finished IDENTIFY or RESUME and are still open."""
        return [c for c in self.connections if not c.closed and c.outcome is not None]

    def recommended_shards(self) -> int:
        """What ``/gateway/bot`` recommends: about one shard per 1,000 servers, as Discord does."""
        return max(1, -(-len(self._emu.guilds) // 1000))

    def live_shards(self, shard_count: int, *, after: int = 0) -> set[int]:
        """Shards of ``shard_count`` with a connected session created by IDENTIFY number ``after``
        or later (a restarted process is told apart from the one it replaced)."""
        return {
            c.session.shard[0]
            for c in self.live
            if c.session is not None
            and c.session.shard[1] == shard_count
            and c.session.created_index >= after
        }

    def current_session(self, guild_id: int | None = None) -> Session | None:
        """The newest valid session that receives events for ``guild_id``."""
        candidates = [s for s in self.sessions.values() if not s.invalid and s.covers(guild_id)]
        return max(candidates, key=lambda s: s.created_index, default=None)

    # --- dispatching -----------------------------------------------------------------------------

    def dispatch(
        self,
        event: str,
        data: Any,
        *,
        guild_id: int | None = None,
        only: Session | None = None,
        transform: Callable[[Session, Any], Any] | None = None,
    ) -> int:
        """Queue ``event`` for every session that should get it; returns how many did."""
        needed = required_intent(event, guild_id)
        targets = [only] if only is not None else list(self.sessions.values())
        count = 0
        for session in targets:
            if session.invalid or not session.covers(guild_id):
                continue
            if needed and not session.intents & needed:
                continue
            payload = transform(session, data) if transform is not None else data
            self._send_dispatch(session, event, payload)
            count += 1
        return count

    def _send_dispatch(self, session: Session, event: str, data: Any) -> None:
        session.seq += 1
        text = json.dumps(
            {"op": DISPATCH, "t": event, "s": session.seq, "d": data}, separators=(",", ":")
        )
        session.log.append((session.seq, text))
        self.events.append(DispatchedEvent(session.id, session.seq, event, data))
        connection = session.connection
        if connection is not None and not connection.closed:
            connection.send_raw(text)

    # --- faults ----------------------------------------------------------------------------------

    async def drop(self, code: int = 4000) -> int:
        """Close every live connection with ``code`` (1006: cut TCP without a close frame)."""
        dropped = 0
        for connection in list(self.live):
            dropped += 1
            connection.closed_by_server = True
            if code == 4009 and connection.session is not None:
                connection.session.invalid = True
            if code == 1006:
                transport = connection.request.transport
                if transport is not None:
                    transport.abort()
                self._detach(connection, 1006)
            else:
                message = CLOSE_REASONS.get(code, "").encode()
                with contextlib.suppress(Exception):
                    await connection.ws.close(code=code, message=message)
                self._detach(connection, code)
        return dropped

    def invalidate(self, *, resumable: bool) -> int:
        """Send opcode 9; without ``resumable`` the session is gone and the client must IDENTIFY."""
        count = 0
        for connection in list(self.live):
            if connection.session is not None and not resumable:
                connection.session.invalid = True
            connection.send({"op": INVALID_SESSION, "d": resumable})
            count += 1
        return count

    def request_reconnect(self) -> int:
        """Send opcode 7: the client should close and RESUME."""
        for connection in self.live:
            connection.send({"op": RECONNECT, "d": None})
        return len(self.live)

    # --- the WebSocket ---------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        connection = Connection(
            index=len(self.connections), ws=ws, request=request, query=dict(request.query)
        )
        self.connections.append(connection)
        writer = connection.writer = asyncio.create_task(self._writer(connection))
        self._emu.notify()
        try:
            if request.query.get("v") != "10":
                await self._close(connection, 4012)
                return ws
            if request.query.get("encoding", "json") != "json":
                await self._close(connection, 4002)
                return ws
            connection.send(
                {"op": HELLO, "d": {"heartbeat_interval": int(self.heartbeat_interval * 1000)}}
            )
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    await self._receive(connection, message.data)
                elif message.type == WSMsgType.BINARY:
                    await self._close(connection, 4002)
                else:
                    break
        finally:
            code = connection.close_code if connection.closed_by_server else ws.close_code
            # A client that closes with 1000 or 1001 ends its session, as on Discord.
            if not connection.closed_by_server and code in (1000, 1001) and connection.session:
                connection.session.invalid = True
            self._detach(connection, code)
            connection.queue.put_nowait(None)
            with contextlib.suppress(Exception):
                await writer
            self._emu.notify()
        return ws

    async def _writer(self, connection: Connection) -> None:
        while True:
            text = await connection.queue.get()
            if text is None or connection.closed:
                return
            try:
                await connection.ws.send_str(text)
            except Exception:
                return

    def _detach(self, connection: Connection, code: int | None) -> None:
        if connection.closed:
            return
        connection.closed = True
        connection.close_code = code
        session = connection.session
        if session is not None and session.connection is connection:
            session.connection = None
        connection.queue.put_nowait(None)
        self._emu.notify()

    async def _close(self, connection: Connection, code: int) -> None:
        connection.closed_by_server = True
        # Let queued frames (an op 9, say) go out before the close frame.
        connection.queue.put_nowait(None)
        if connection.writer is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(connection.writer), 2)
        with contextlib.suppress(Exception):
            await connection.ws.close(code=code, message=CLOSE_REASONS.get(code, "").encode())
        self._detach(connection, code)

    async def _receive(self, connection: Connection, text: str) -> None:
        try:
            payload = json.loads(text)
            op = payload["op"]
        except (ValueError, KeyError, TypeError):
            await self._close(connection, 4002)
            return
        connection.received.append(payload)
        data = payload.get("d")
        if op == HEARTBEAT:
            self.heartbeats += 1
            connection.heartbeats += 1
            if self.ack_heartbeats:
                connection.send({"op": HEARTBEAT_ACK})
        elif op == IDENTIFY:
            await self._identify(connection, data or {})
        elif op == RESUME:
            await self._resume(connection, data or {})
        elif connection.session is None:
            await self._close(connection, 4003)
        elif op == PRESENCE_UPDATE:
            self.presence_updates.append(data)
        elif op == VOICE_STATE_UPDATE:
            self.voice_requests.append(data)
        elif op == REQUEST_GUILD_MEMBERS:
            self._members_chunk(connection.session, data or {})
        else:
            await self._close(connection, 4001)
        self._emu.notify()

    async def _identify(self, connection: Connection, data: dict[str, Any]) -> None:
        if connection.session is not None:
            await self._close(connection, 4005)
            return
        if data.get("token") != self._emu.token:
            await self._close(connection, 4004)
            return
        intents = data.get("intents")
        if not isinstance(intents, int) or intents & ~int(ALL_INTENTS):
            await self._close(connection, 4013)
            return
        if intents & int(PRIVILEGED_INTENTS) & ~int(self._emu.privileged_intents):
            await self._close(connection, 4014)
            return
        shard = data.get("shard") or [0, 1]
        if (
            not isinstance(shard, list)
            or len(shard) != 2
            or not all(type(n) is int for n in shard)
            or not 0 <= shard[0] < shard[1]
        ):
            await self._close(connection, 4010)
            return
        shard_id, shard_count = shard
        covered = sum(1 for g in self._emu.guilds if (g >> 22) % shard_count == shard_id)
        if covered > GUILDS_PER_SHARD:
            await self._close(connection, 4011)
            return
        bucket = shard_id % max(1, self.max_concurrency)
        now = time.monotonic()
        last = self._bucket_last_identify.get(bucket)
        if last is not None and now - last < IDENTIFY_WINDOW:
            self.identify_violations.append((shard_id, shard_count))
        self._bucket_last_identify[bucket] = now
        session = Session(
            id=secrets.token_hex(16),
            intents=intents,
            shard=(shard_id, shard_count),
            created_index=self.identifies,
        )
        self.identifies += 1
        self.sessions[session.id] = session
        connection.session = session
        session.connection = connection
        guilds = [g for g in self._emu.guilds.values() if session.covers(g.id)]
        self._send_dispatch(
            session,
            "READY",
            {
                "v": 10,
                "user": {**self._emu.bot_user.payload(), "verified": True, "mfa_enabled": False},
                "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
                "session_id": session.id,
                "session_type": "normal",
                "resume_gateway_url": self._emu.gateway_url,
                "shard": [shard_id, shard_count],
                "application": {"id": str(self._emu.application_id), "flags": self._emu.app_flags},
                "private_channels": [],
                "relationships": [],
                "user_settings": {},
                "presences": [],
                "geo_ordered_rtc_regions": ["emulated"],
                "guild_join_requests": [],
            },
        )
        if intents & Intent.GUILDS:
            for guild in guilds:
                self._send_dispatch(
                    session,
                    "GUILD_CREATE",
                    guild.gateway_payload(with_members=bool(intents & Intent.GUILD_MEMBERS)),
                )
        connection.outcome = "identified"

    async def _resume(self, connection: Connection, data: dict[str, Any]) -> None:
        if connection.session is not None:
            await self._close(connection, 4005)
            return
        if data.get("token") != self._emu.token:
            await self._close(connection, 4004)
            return
        session = self.sessions.get(str(data.get("session_id")))
        seq = data.get("seq") or 0
        if session is None or session.invalid or seq > session.seq:
            connection.send({"op": INVALID_SESSION, "d": False})
            return
        missed = [text for number, text in session.log if number > seq]
        oldest = session.log[0][0] if session.log else session.seq + 1
        if oldest > seq + 1 and session.seq > seq:
            connection.send({"op": INVALID_SESSION, "d": False})
            return
        previous = session.connection
        if previous is not None and previous is not connection:
            self._detach(previous, 4000)
        for text in missed:
            connection.send_raw(text)
        connection.replayed = len(missed)
        connection.session = session
        session.connection = connection
        self.resumes += 1
        self._send_dispatch(session, "RESUMED", {})
        connection.outcome = "resumed"

    def _members_chunk(self, session: Session, data: dict[str, Any]) -> None:
        guild = self._emu.guilds.get(int(data.get("guild_id") or 0))
        if guild is None:
            return
        members = list(guild.members.values())
        wanted = data.get("user_ids")
        if wanted:
            ids = {int(i) for i in (wanted if isinstance(wanted, list) else [wanted])}
            members = [m for m in members if m.id in ids]
        elif data.get("query"):
            prefix = str(data["query"]).lower()
            members = [m for m in members if m.name.lower().startswith(prefix)]
        limit = data.get("limit") or 0
        if limit:
            members = members[:limit]
        chunk: dict[str, Any] = {
            "guild_id": str(guild.id),
            "members": [m.payload() for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        self._send_dispatch(session, "GUILD_MEMBERS_CHUNK", chunk)
