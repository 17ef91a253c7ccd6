"""Two lookups moto repeats on every request, done once per server instead.

moto's server finds the backend for each request by listing its own package folder (a
directory read and a ``stat`` per service, twice a request), and finds the handler's action
by listing the handler class's methods with ``inspect.getmembers``. Neither answer can
change while the server runs: the installed moto does not change, and every patch of a
handler class is made by ``install`` functions before the server takes its first request.
Together they were about a fifth of the engine's time on a small request (a GetItem).
"""

from __future__ import annotations

import functools
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
    _INSTALLED = True


def _cached(original: Any) -> Any:
    @functools.wraps(original)
    @functools.cache
    def method_names_from_class(clazz: Any) -> tuple[str, ...]:
        # A tuple: a cached answer must not be changed by whoever receives it.
        return tuple(original(clazz))

    return method_names_from_class
