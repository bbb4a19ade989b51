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


@contextmanager
def trusted_test_key() -> Iterator[rsa.RSAPrivateKey]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    public.update(kid=KID, use="sig", alg="RS256")
    client = PyJWKClient(JWKS_URL, cache_jwk_set=True, lifespan=3600)
    assert client.jwk_set_cache is not None
    client.jwk_set_cache.put(PyJWKSet.from_dict({"keys": [public]}))
    cache = JwtTokenValidator._jwk_client_manager._cache
    previous = cache.get(JWKS_URL)
    cache[JWKS_URL] = _JwkClientCacheEntry(client, threading.Lock())
    try:
        yield key
    finally:
        if previous is None:
            cache.pop(JWKS_URL, None)
        else:
            cache[JWKS_URL] = previous


def bot_framework_token(key: rsa.RSAPrivateKey, app_id: str, service_url: str) -> str:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": app_id, "serviceurl": service_url, "nbf": now - 10, "iat": now - 10, "exp": now + 3600}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": KID})
