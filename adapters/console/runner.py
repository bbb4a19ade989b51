"""Reads lines from standard input (a terminal or a pipe) and turns each into a neutral event."""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import Awaitable, Callable
from typing import TextIO

from flows.events import CommandIssued, InboundEvent, MemberRef, MessageReceived, NetworkRef
from flows.messages import Prompt

NETWORK = NetworkRef("console", "local")


def to_event(line: str, member: MemberRef) -> InboundEvent | None:
    """A `/yhdessa …` line is a command; any other line answers the open question."""
    text = line.strip()
    if not text:
        return None
    key = f"console:{uuid.uuid4().hex}"
    if text.startswith("/"):
        return CommandIssued(NETWORK, member, text, key, channel=None, is_direct=True)
    return MessageReceived(NETWORK, member, text, key)


async def run_console(
    member: MemberRef,
    handle: Callable[[InboundEvent], Awaitable[object]],
    deliver: Callable[[], Awaitable[object]],
    pending: Callable[[], Awaitable[list[Prompt]]],
    announce: Callable[[list[Prompt]], Awaitable[None]],
    stream: TextIO | None = None,
) -> None:
    """The console loop; ends cleanly at end of input."""
    stream = stream or sys.stdin
    loop = asyncio.get_running_loop()
    await deliver()
    await announce(await pending())
    while True:
        line = await loop.run_in_executor(None, stream.readline)
        if not line:
            return
        event = to_event(line, member)
        if event is None:
            continue
        await handle(event)
        await deliver()
