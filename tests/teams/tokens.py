"""Bot Framework-style tokens signed by a test key that the SDK's real JWT validator trusts.

The validator fetches Bot Framework signing keys from login.botframework.com; tests never reach
the internet, so the test key set is put into the SDK's own JWKS cache for that address instead.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt import PyJWKClient, PyJWKSet
from jwt.algorithms import RSAAlgorithm
from microsoft_agents.hosting.core.authorization import AuthenticationConstants
from microsoft_agents.hosting.core.authorization.jwt.jwt_token_validator import JwtTokenValidator, _JwkClientCacheEntry

KID = "yhdessa-test-key"
ISSUER = AuthenticationConstants.AGENTS_SDK_TOKEN_ISSUER
JWKS_URL = AuthenticationConstants.PUBLIC_ABS_JWKS_URL
# Where the validator looks for keys of any other issuer (the multi-tenant authority's tenant).
ENTRA_JWKS_URL = "https://login.microsoftonline.com/botframework.com/discovery/v2.0/keys"


@contextmanager
def trusted_test_key() -> Iterator[rsa.RSAPrivateKey]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    public.update(kid=KID, use="sig", alg="RS256")
    cache = JwtTokenValidator._jwk_client_manager._cache
    # The test key is trusted at both addresses, so a token from a foreign issuer is refused for
    # its issuer, not because its key is unknown (and no key set is ever fetched from the internet).
    previous = {url: cache.get(url) for url in (JWKS_URL, ENTRA_JWKS_URL)}
    for url in previous:
        client = PyJWKClient(url, cache_jwk_set=True, lifespan=3600)
        assert client.jwk_set_cache is not None
        client.jwk_set_cache.put(PyJWKSet.from_dict({"keys": [public]}))
        cache[url] = _JwkClientCacheEntry(client, threading.Lock())
    try:
        yield key
    finally:
        for url, entry in previous.items():
            if entry is None:
                cache.pop(url, None)
            else:
                cache[url] = entry


def bot_framework_token(key: rsa.RSAPrivateKey, app_id: str, service_url: str) -> str:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": app_id, "serviceurl": service_url, "nbf": now - 10, "iat": now - 10, "exp": now + 3600}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": KID})


def forged_tokens(key: rsa.RSAPrivateKey, app_id: str, service_url: str) -> dict[str, str]:
    """Tokens a strict validator refuses, each wrong in one way only."""
    now = int(time.time())
    good = {"iss": ISSUER, "aud": app_id, "serviceurl": service_url, "nbf": now - 10, "iat": now - 10, "exp": now + 3600}
    unsigned = jwt.encode(good, None, algorithm="none")  # type: ignore[arg-type]
    return {
        "foreign issuer": jwt.encode({**good, "iss": "https://sts.windows.net/evil-tenant/"}, key, algorithm="RS256", headers={"kid": KID}),
        "no kid": jwt.encode(good, key, algorithm="RS256"),
        "alg none": unsigned,
        "alg none with kid": jwt.encode(good, None, algorithm="none", headers={"kid": KID}),  # type: ignore[arg-type]
        "HS256": jwt.encode(good, "a-shared-secret-of-thirty-two-bytes!", algorithm="HS256", headers={"kid": KID}),
        "expired": jwt.encode({**good, "nbf": now - 7200, "iat": now - 7200, "exp": now - 3600}, key, algorithm="RS256", headers={"kid": KID}),
        "wrong audience": jwt.encode({**good, "aud": "00000000-0000-4000-8000-0000000000ff"}, key, algorithm="RS256", headers={"kid": KID}),
        "unknown kid": jwt.encode(good, key, algorithm="RS256", headers={"kid": "another-key"}),
        "not a JWT": "abc.def.ghi",
    }
