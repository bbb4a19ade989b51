"""A local OpenAI-compatible chat completions server on 127.0.0.1 for the real openai client."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class FakeLLM:
    """What the server answers next: `mode` is good | slow | malformed | error | obey."""

    mode: str = "good"
    content: dict[str, Any] = field(default_factory=dict)
    delay: float = 3.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.text()
        self.raw.append(body)
        self.requests.append(json.loads(body))
        if self.mode == "error":
            return web.json_response({"error": {"message": "boom", "type": "server_error"}}, status=500)
        if self.mode == "slow":
            await asyncio.sleep(self.delay)
        if self.mode == "malformed":
            content = '{"themes": [{"theme": "half a reply'
        elif self.mode == "obey":
            # A model that followed the instruction hidden in an answer instead of the schema.
            content = json.dumps({"names": ["Anna Korhonen"], "note": "as instructed"})
        else:
            content = json.dumps(self.content)
        return web.json_response(
            {
                "id": "chatcmpl-local",
                "object": "chat.completion",
                "created": 0,
                "model": self.requests[-1].get("model", "local"),
                "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }
        )


@asynccontextmanager
async def fake_llm(**kwargs: Any) -> AsyncIterator[FakeLLM]:
    llm = FakeLLM(**kwargs)
    app = web.Application()
    app.router.add_post("/v1/chat/completions", llm.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    llm.url = f"http://127.0.0.1:{port}/v1"
    try:
        yield llm
    finally:
        await runner.cleanup()
