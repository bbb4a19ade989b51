"""Chart images at short-lived signed URLs, for Teams cards, served by any process.

Inline `data:` images made a report card with three charts 55 KB, and Teams dropped all but the
first. A card now names each image by URL: `{public url}/charts/{token}.png`, where the token is
the image's sha256, an expiry time and an HMAC of both, so nobody can list or guess images, and a
link stops working after `YHDESSA_CHART_LINK_HOURS`. The images are the ones stored once in the
database when their message was queued (storage/chart_images.py), and the HMAC key is derived
from the Teams app password every process is given, so with several processes behind one
address (compose.yaml's workers) any of them serves any chart a card names. A small memory of
recent images spares the database the look-ups for the cards this process just sent.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from aiohttp import web

from flows.messages import Chart

ROUTE = "/charts/{token}.png"
MAX_IMAGES = 200
_DIGEST = re.compile(r"[0-9a-f]{64}")
Lookup = Callable[[str], Awaitable[bytes | None]]


def shared_secret(app_password: str) -> bytes:
    """The links' HMAC key, the same in every process that has the app's password (and useless
    for anything else: it is not the password)."""
    return hmac.new(app_password.encode(), b"yhdessa chart links v1", hashlib.sha256).digest()


class ChartLinks:
    def __init__(
        self,
        base_url: Callable[[], str],
        ttl_seconds: float,
        secret: bytes | None = None,
        clock: Callable[[], float] = time.time,
        stored: Lookup | None = None,
    ) -> None:
        self.base_url = base_url
        self.ttl = ttl_seconds
        # Without a shared secret (local development, no app password) links hold in this process only.
        self.secret = secret or secrets.token_bytes(32)
        self.clock = clock
        self.stored = stored  # digest -> PNG from the database
        self._images: OrderedDict[str, bytes] = OrderedDict()

    def _signature(self, digest: str, expires: int) -> str:
        return hmac.new(self.secret, f"{digest}.{expires}".encode(), hashlib.sha256).hexdigest()[:32]

    def url(self, chart: Chart) -> str:
        digest = hashlib.sha256(chart.png).hexdigest()  # the digest it is stored under
        self._images[digest] = chart.png
        self._images.move_to_end(digest)
        while len(self._images) > MAX_IMAGES:
            self._images.popitem(last=False)
        expires = int(self.clock() + self.ttl)
        return f"{self.base_url().rstrip('/')}/charts/{digest}.{expires}.{self._signature(digest, expires)}.png"

    def verified(self, token: str) -> str | None:
        """The digest a token names, if its signature holds and it has not expired."""
        parts = token.split(".")
        if len(parts) != 3 or not parts[1].isdigit() or not _DIGEST.fullmatch(parts[0]):
            return None
        digest, expires, signature = parts[0], int(parts[1]), parts[2]
        if not hmac.compare_digest(signature, self._signature(digest, expires)) or expires < self.clock():
            return None
        return digest

    def image(self, token: str) -> bytes | None:
        """The PNG a token names from this process's memory (None for a bad or expired link)."""
        digest = self.verified(token)
        return self._images.get(digest) if digest else None

    async def find(self, token: str) -> bytes | None:
        """The PNG a good link names, from memory or else from the database."""
        digest = self.verified(token)
        if digest is None:
            return None
        png = self._images.get(digest)
        if png is None and self.stored is not None:
            png = await self.stored(digest)
        return png

    async def handle(self, request: web.Request) -> web.Response:
        png = await self.find(request.match_info["token"])
        if png is None:
            raise web.HTTPNotFound(text="no such chart, or its link has expired")
        return web.Response(body=png, content_type="image/png", headers={"Cache-Control": "private, max-age=3600"})
