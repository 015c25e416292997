"""The cache backend for a shared Redis (CACHE_URL=redis://...).

Django's Redis cache raises when Redis cannot be reached, and the cache is asked on pages
that must keep answering (sign-in counts allauth's rate limits there, the receipt page its
own). This one behaves, while Redis is gone, like Django's DummyCache, a cache that
keeps nothing: reads miss, writes (`add` too) succeed and are dropped, a count starts
again. Rate limits then count nothing for a while (allauth's would refuse every sign-in if
its lock could not be taken); the pages answer. Every such miss is logged, without the
key.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from redis.exceptions import RedisError

log = logging.getLogger(__name__)


def _unavailable(operation: str, error: RedisError) -> None:
    log.warning("cache unavailable, %s skipped: %s", operation, type(error).__name__)


class RedisCache(DjangoRedisCache):
    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        try:
            return super().get(key, default, version)
        except RedisError as error:
            _unavailable("get", error)
            return default

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        try:
            return super().get_many(keys, version)
        except RedisError as error:
            _unavailable("get_many", error)
            return {}

    def has_key(self, key: Any, version: int | None = None) -> bool:
        try:
            return super().has_key(key, version)
        except RedisError as error:
            _unavailable("has_key", error)
            return False

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        try:
            return super().add(key, value, timeout, version)
        except RedisError as error:
            _unavailable("add", error)
            return True

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        try:
            super().set(key, value, timeout, version)
        except RedisError as error:
            _unavailable("set", error)

    def set_many(
        self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[Any]:
        try:
            return super().set_many(data, timeout, version)
        except RedisError as error:
            _unavailable("set_many", error)
            return list(data)

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        try:
            return super().touch(key, timeout, version)
        except RedisError as error:
            _unavailable("touch", error)
            return False

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        try:
            return super().incr(key, delta, version)
        except RedisError as error:
            _unavailable("incr", error)
            raise ValueError("cache unavailable") from error  # as for a key not there

    def delete(self, key: Any, version: int | None = None) -> bool:
        try:
            return super().delete(key, version)
        except RedisError as error:
            _unavailable("delete", error)
            return False

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        try:
            super().delete_many(keys, version)
        except RedisError as error:
            _unavailable("delete_many", error)

    def clear(self) -> None:
        try:
            super().clear()
        except RedisError as error:
            _unavailable("clear", error)
