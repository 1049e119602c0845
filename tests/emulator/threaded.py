"""The emulator on an event loop of its own thread, for a world that outlives one test.

A session-wide emulator on the test session's event loop answers the bot only while a test on
that loop runs: with pytest-xdist a worker runs other files' tests on their own loops in
between, the session loop stands still, and the bot's heartbeats go unanswered until discord.py
gives up on the connection. On a thread of its own the emulator (and whatever else is started
there, such as the bot process and the reader of its output) keeps answering whatever the
worker is doing.

Tests keep using the emulator's API as they would on their own loop, through :class:`OnLoop`
proxies: every attribute read, assignment and call is carried out on the emulator's thread (its
state is touched by one thread only, and ``notify`` wakes waiters on the right loop), a
coroutine method returns an awaitable for the caller's loop, and emulator objects in results
(a guild, a member, the messages of a channel) come back wrapped in turn. Lists, tuples, sets
and dicts in results are copies taken on that thread, so a test never iterates over a
container while the emulator appends to it.
"""

from __future__ import annotations

import asyncio
import enum
import functools
import inspect
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

T = TypeVar("T")

_WRAPPED_MODULES = ("tests.emulator.", "tests.e2e.botprocess")
"""Objects of these modules are state of the emulator's thread: handed out only as proxies."""


class LoopThread:
    """An asyncio event loop running forever on a daemon thread, until :meth:`stop`."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    @property
    def here(self) -> bool:
        """Whether the caller is on this thread (its own loop must not wait on itself)."""
        return threading.current_thread() is self._thread

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a plain function on the thread and return (or raise) what it did."""
        if self.here or not self._thread.is_alive():
            return fn(*args, **kwargs)

        async def on_loop() -> T:
            return fn(*args, **kwargs)

        return asyncio.run_coroutine_threadsafe(on_loop(), self.loop).result()

    async def run(self, awaitable: Awaitable[T]) -> T:
        """Await ``awaitable`` on the thread's loop, from the caller's loop."""
        if self.here:
            return await awaitable

        async def on_loop() -> T:
            return await awaitable

        future = asyncio.run_coroutine_threadsafe(on_loop(), self.loop)
        return await asyncio.wrap_future(future)

    def stop(self) -> None:
        """Finish pending callbacks, stop the loop and join the thread."""
        if not self._thread.is_alive():
            return

        async def finish() -> None:
            await self.loop.shutdown_asyncgens()
            self.loop.stop()

        asyncio.run_coroutine_threadsafe(finish(), self.loop)
        self._thread.join(10)
        if not self._thread.is_alive():
            self.loop.close()


def _belongs_to_thread(value: object) -> bool:
    if isinstance(value, (enum.Enum, int, float, str, bytes, BaseException)):
        return False
    module = type(value).__module__ + "."
    return module.startswith(_WRAPPED_MODULES)


def wrap(value: Any, thread: LoopThread) -> Any:
    """``value`` as the caller may hold it: emulator objects proxied, containers copied."""
    if isinstance(value, OnLoop):
        return value
    if _belongs_to_thread(value):
        return OnLoop(value, thread)
    if isinstance(value, list):
        return [wrap(item, thread) for item in value]
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(wrap(item, thread) for item in value)
    if isinstance(value, (set, frozenset)):
        return type(value)(wrap(item, thread) for item in value)
    if isinstance(value, dict):
        return {key: wrap(item, thread) for key, item in value.items()}
    return value


def unwrap(value: Any) -> Any:
    """``value`` as the emulator expects it: proxies replaced by what they stand for."""
    if isinstance(value, OnLoop):
        return object.__getattribute__(value, "_target")
    if isinstance(value, list):
        return [unwrap(item) for item in value]
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(unwrap(item) for item in value)
    if isinstance(value, dict):
        return {key: unwrap(item) for key, item in value.items()}
    return value


class OnLoop:
    """An object living on a :class:`LoopThread`, used from any other thread as if it were local.

    Identity checks (``is``) see the proxy, equality and hashing see the object itself, so
    ``message.author == web.alice.user`` holds as it would without the thread."""

    __slots__ = ("_target", "_thread")

    def __init__(self, target: object, thread: LoopThread) -> None:
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_thread", thread)

    def _parts(self) -> tuple[Any, LoopThread]:
        return object.__getattribute__(self, "_target"), object.__getattribute__(self, "_thread")

    def __getattr__(self, name: str) -> Any:
        target, thread = self._parts()
        value = thread.call(getattr, target, name)
        if inspect.ismethod(value) or inspect.isfunction(value):
            return _on_thread(value, thread)
        return thread.call(wrap, value, thread)

    def __setattr__(self, name: str, value: Any) -> None:
        target, thread = self._parts()
        thread.call(setattr, target, name, unwrap(value))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        target, thread = self._parts()
        return _on_thread(target, thread)(*args, **kwargs)

    def __eq__(self, other: object) -> bool:
        target, thread = self._parts()
        return bool(thread.call(lambda: target == unwrap(other)))

    def __hash__(self) -> int:
        target, _ = self._parts()
        return hash(target)

    def __repr__(self) -> str:
        target, thread = self._parts()
        return f"OnLoop({thread.call(repr, target)})"

    def __len__(self) -> int:
        target, thread = self._parts()
        return thread.call(len, target)

    def __iter__(self) -> Any:
        target, thread = self._parts()
        return iter(thread.call(lambda: wrap(list(target), thread)))

    def __getitem__(self, key: Any) -> Any:
        target, thread = self._parts()
        return thread.call(lambda: wrap(target[unwrap(key)], thread))

    def __contains__(self, item: Any) -> bool:
        target, thread = self._parts()
        return bool(thread.call(lambda: unwrap(item) in target))

    def __bool__(self) -> bool:
        target, thread = self._parts()
        return bool(thread.call(bool, target))


def _on_thread(fn: Callable[..., Any], thread: LoopThread) -> Callable[..., Any]:
    """``fn`` carried out on the thread: a coroutine function gives an awaitable for the
    caller's loop; a plain function runs there at once and its result is wrapped."""
    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def awaited(*args: Any, **kwargs: Any) -> Any:
            coroutine = fn(*unwrap(args), **unwrap(kwargs))
            result = await thread.run(coroutine)
            return thread.call(wrap, result, thread)

        return awaited

    @functools.wraps(fn)
    def called(*args: Any, **kwargs: Any) -> Any:
        result = thread.call(fn, *unwrap(args), **unwrap(kwargs))
        if inspect.isawaitable(result):
            return thread.run(_wrapped(result, thread))
        return thread.call(wrap, result, thread)

    return called


async def _wrapped(awaitable: Awaitable[Any], thread: LoopThread) -> Any:
    return wrap(await awaitable, thread)


def on_loop(value: T, thread: LoopThread) -> T:
    """``value`` proxied for use off the thread, typed as itself for the caller."""
    return cast(T, OnLoop(value, thread))
