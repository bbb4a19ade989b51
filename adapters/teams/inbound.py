"""The checks a request to /api/messages passes before the SDK sees it.

- **The token.** The SDK's validator reads the token's `kid` with `header["kid"]`, so a token
  without one raised KeyError (a 500), and so did `alg: none`. Here a token must name a key and
  be RS256 before it is validated; any failure inside validation is a 401, never a 500. The
  issuer allow-list, which the SDK leaves off unless asked, is on (connector.auth_configuration).
- **The body.** The SDK turns a body that is not a JSON activity into a 500. Here it gets a 400
  that says what is wrong, and nothing is stored.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import jwt
from aiohttp import web
from microsoft_agents.hosting.core.authorization import AgentAuthConfiguration, ClaimsIdentity
from microsoft_agents.hosting.core.authorization.jwt import _authorize_request

log = logging.getLogger(__name__)
ALGORITHMS = ("RS256",)  # what the Bot Framework and Entra ID sign with
_REFUSED = {"error": "Invalid token or authentication failed."}


async def authorize(request: web.Request, config: AgentAuthConfiguration) -> ClaimsIdentity | web.Response:
    """The caller's verified claims, or the 401 to answer."""
    header = request.headers.get("Authorization")
    if header is not None:
        parts = header.split()
        if len(parts) != 2 or parts[0].lower() != "bearer" or not _plausible(parts[1]):
            return web.json_response(_REFUSED, status=401)
        header = f"Bearer {parts[1]}"
    try:
        result = await _authorize_request(header, config)
    except Exception as exc:  # anything the validator trips over is a refusal, not a server error
        log.warning("Teams token refused: %s", type(exc).__name__)
        return web.json_response(_REFUSED, status=401)
    if isinstance(result, ClaimsIdentity):
        return result
    status = result.status_code if result.status_code in (401, 403) else 401
    return web.json_response(_REFUSED, status=status)


def _plausible(token: str) -> bool:
    """A signed token naming its key: no `alg: none`, no shared-secret HS256, no missing `kid`."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        return False
    if header.get("alg") not in ALGORITHMS or not isinstance(header.get("kid"), str) or not header["kid"]:
        log.warning("Teams token refused: alg %r, kid %s", header.get("alg"), "present" if header.get("kid") else "missing")
        return False
    return True


async def body_problem(request: web.Request) -> str | None:
    """Why the body is not a Bot Framework activity, or None when it is one."""
    raw = await request.read()
    if not raw.strip():
        return "the request body is empty; a Bot Framework activity (JSON) was expected"
    try:
        data: Any = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return f"the request body is not JSON ({exc.__class__.__name__})"
    if not isinstance(data, dict):
        return "the request body must be a JSON object (a Bot Framework activity)"
    if not isinstance(data.get("type"), str) or not data["type"]:
        return "the activity has no 'type'"
    # Its fields are checked by activities.problem, which also runs the SDK's own validation.
    return None
