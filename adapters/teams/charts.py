"""Chart images served from this process at short-lived signed URLs, for Teams cards.

Inline `data:` images made a report card with three charts 55 KB, and Teams dropped all but the
first. A card now names each image by URL: `{public url}/charts/{token}.png`, where the token is
the image's digest, an expiry time and an HMAC of both (a secret made at start-up), so nobody can
list or guess images, and a link stops working after `YHDESSA_CHART_LINK_HOURS`. The images are
kept in memory (bounded), so the process that sent a card serves its images: with several
processes behind one address, give `/charts/` session affinity, or an image may be missing.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable

from aiohttp import web

from flows.messages import Chart

ROUTE = "/charts/{token}.png"
MAX_IMAGES = 2_000


class ChartLinks:
    def __init__(self, base_url: Callable[[], str], ttl_seconds: float, secret: bytes | None = None, clock: Callable[[], float] = time.time) -> None:
        self.base_url = base_url
        self.ttl = ttl_seconds
        self.secret = secret or secrets.token_bytes(32)
        self.clock = clock
        self._images: OrderedDict[str, bytes] = OrderedDict()

    def _signature(self, digest: str, expires: int) -> str:
        return hmac.new(self.secret, f"{digest}.{expires}".encode(), hashlib.sha256).hexdigest()[:32]

    def url(self, chart: Chart) -> str:
        digest = hashlib.sha256(chart.png).hexdigest()[:32]
        self._images[digest] = chart.png
        self._images.move_to_end(digest)
        while len(self._images) > MAX_IMAGES:
            self._images.popitem(last=False)
        expires = int(self.clock() + self.ttl)
        return f"{self.base_url().rstrip('/')}/charts/{digest}.{expires}.{self._signature(digest, expires)}.png"

    def image(self, token: str) -> bytes | None:
        """The PNG a token names, if its signature holds and it has not expired."""
        parts = token.split(".")
        if len(parts) != 3 or not parts[1].isdigit():
            return None
        digest, expires, signature = parts[0], int(parts[1]), parts[2]
        if not hmac.compare_digest(signature, self._signature(digest, expires)) or expires < self.clock():
            return None
        return self._images.get(digest)

    async def handle(self, request: web.Request) -> web.Response:
        png = self.image(request.match_info["token"])
        if png is None:
            raise web.HTTPNotFound(text="no such chart, or its link has expired")
        return web.Response(body=png, content_type="image/png", headers={"Cache-Control": "private, max-age=3600"})
