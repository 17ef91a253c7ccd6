"""Work moto repeats on every request (or every user pool), done once per server instead.

moto's server finds the backend for each request by listing its own package folder (a
directory read and a ``stat`` per service, twice a request), and finds the handler's action
by listing the handler class's methods with ``inspect.getmembers``. Neither answer can
change while the server runs: the installed moto does not change, and every patch of a
handler class is made by ``install`` functions before the server takes its first request.
Together they were about a fifth of the engine's time on a small request (a GetItem).

Each new Cognito user pool gets the same signing key, read from a file in moto's package
and imported anew: an RSA key given without its primes, which are recovered each time
(0.1-0.2 s). The walkthrough creates a user pool in most notebooks, which made it the
largest single cost of the engine in a run. The imported key is kept and shared: moto only
signs tokens with it.
"""

from __future__ import annotations

import functools
import json
import types
from typing import Any

_INSTALLED = False


def install() -> None:
    """Remember both answers (once per process); call it after patching handler classes."""
    global _INSTALLED
    if _INSTALLED:
        return
    from moto import backends
    from moto.core import responses

    modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules  # type: ignore[assignment]
    responses.method_names_from_class = _cached(responses.method_names_from_class)
    _one_user_pool_key()
    _INSTALLED = True


def _cached(original: Any) -> Any:
    @functools.wraps(original)
    @functools.cache
    def method_names_from_class(clazz: Any) -> tuple[str, ...]:
        # A tuple: a cached answer must not be changed by whoever receives it.
        return tuple(original(clazz))

    return method_names_from_class


def _one_user_pool_key() -> None:
    """moto's user pools import their key through ``jwk.RSAKey.import_key`` of their module:
    that module gets a ``jwk`` whose ``RSAKey`` keeps what it imported from a given JWK."""
    from joserfc import jwk
    from moto.cognitoidp import models

    imported: dict[str, Any] = {}

    class RSAKey(jwk.RSAKey):  # type: ignore[misc]
        @classmethod
        def import_key(cls, value: Any, *args: Any, **kwargs: Any) -> Any:
            if not isinstance(value, dict) or args or kwargs:
                return jwk.RSAKey.import_key(value, *args, **kwargs)
            text = json.dumps(value, sort_keys=True)
            if text not in imported:
                imported[text] = jwk.RSAKey.import_key(value)
            return imported[text]

    keys = types.ModuleType(jwk.__name__)
    keys.__dict__.update(vars(jwk))
    keys.RSAKey = RSAKey  # type: ignore[attr-defined]
    models.jwk = keys  # type: ignore[attr-defined]
