"""KeyService on a fake store: issuing keys, authenticating, the lookup cache, the touch."""

from __future__ import annotations

import contextlib

import pytest

from omni_server.domain import errors
from omni_server.domain.ids import new_id, utcnow
from omni_server.services.auth import KEY_PREFIX, TOUCH_INTERVAL, KeyService, hash_key
from tests.unit.fakes import FakeKeyStore


class Clock:
    """Monotonic seconds that move only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def store() -> FakeKeyStore:
    return FakeKeyStore()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def keys(store: FakeKeyStore, clock: Clock) -> KeyService:
    return KeyService(store, cache_seconds=5.0, clock=clock)


async def test_a_new_key_is_stored_by_hash_and_authenticates_for_its_accounts(
    keys: KeyService, store: FakeKeyStore
) -> None:
    new = await keys.create(accounts=frozenset({1, 2}), name="ci")

    assert new.secret.startswith(KEY_PREFIX)
    assert store.hashes == {hash_key(new.secret): new.record_id}
    assert store.records[new.record_id].prefix == new.secret[:12]
    principal = await keys.authenticate(f"Bearer {new.secret}")
    assert principal.key_id == new.record_id
    assert principal.accounts == {1, 2}
    assert [r.id for r in await keys.list()] == [new.record_id]


async def test_the_scheme_is_case_insensitive_and_the_key_trimmed(keys: KeyService) -> None:
    new = await keys.create(accounts=frozenset({1}), name="ci")
    principal = await keys.authenticate(f"bEaReR  {new.secret} ")
    assert principal.key_id == new.record_id


@pytest.mark.parametrize(
    "header", [None, "", "Bearer", "Bearer   ", "Basic omni_x", "omni_x", "Bearer omni_unknown"]
)
async def test_anything_but_a_live_bearer_key_is_unauthenticated(
    keys: KeyService, header: str | None
) -> None:
    await keys.create(accounts=frozenset({1}), name="ci")
    with pytest.raises(errors.Unauthenticated):
        await keys.authenticate(header)


async def test_lookups_are_cached_for_their_ttl_hits_and_misses_alike(
    keys: KeyService, store: FakeKeyStore, clock: Clock
) -> None:
    new = await keys.create(accounts=frozenset({1}), name="ci")
    for header in [f"Bearer {new.secret}", "Bearer omni_unknown"]:
        store.lookups = 0
        for _ in range(3):
            with contextlib.suppress(errors.Unauthenticated):
                await keys.authenticate(header)
        assert store.lookups == 1
        clock.now += 5.0
        with contextlib.suppress(errors.Unauthenticated):
            await keys.authenticate(header)
        assert store.lookups == 2


async def test_a_revoke_takes_effect_at_once_in_this_process(
    keys: KeyService, store: FakeKeyStore
) -> None:
    new = await keys.create(accounts=frozenset({1}), name="ci")
    await keys.authenticate(f"Bearer {new.secret}")

    assert await keys.revoke(new.record_id)

    with pytest.raises(errors.Unauthenticated):
        await keys.authenticate(f"Bearer {new.secret}")
    assert store.records[new.record_id].revoked_at is not None
    assert not await keys.revoke(new.record_id)
    assert not await keys.revoke(new_id())


async def test_last_used_is_written_at_most_once_a_minute_per_key(
    store: FakeKeyStore, clock: Clock
) -> None:
    keys = KeyService(store, cache_seconds=0.0, clock=clock)
    first = await keys.create(accounts=frozenset({1}), name="one")
    second = await keys.create(accounts=frozenset({1}), name="two")

    await keys.authenticate(f"Bearer {first.secret}")
    clock.now += TOUCH_INTERVAL - 1
    await keys.authenticate(f"Bearer {first.secret}")
    await keys.authenticate(f"Bearer {second.secret}")
    assert store.touches == [first.record_id, second.record_id]

    clock.now += 1
    await keys.authenticate(f"Bearer {first.secret}")
    assert store.touches == [first.record_id, second.record_id, first.record_id]
    assert store.records[first.record_id].last_used_at is not None


async def test_a_principal_may_act_only_for_its_accounts(keys: KeyService) -> None:
    new = await keys.create(accounts=frozenset({7}), name="ci")
    principal = await keys.authenticate(f"Bearer {new.secret}")
    principal.require(7)
    with pytest.raises(errors.PermissionDenied):
        principal.require(8)


async def test_a_flood_of_distinct_keys_empties_the_lookup_cache_instead_of_growing_it(
    keys: KeyService, store: FakeKeyStore
) -> None:
    new = await keys.create(accounts=frozenset({1}), name="ci")
    await keys.authenticate(f"Bearer {new.secret}")
    for n in range(10_001):
        with contextlib.suppress(errors.Unauthenticated):
            await keys.authenticate(f"Bearer omni_guess{n}")
    store.lookups = 0

    await keys.authenticate(f"Bearer {new.secret}")

    assert store.lookups == 1


async def test_the_touch_throttle_is_bounded_too(store: FakeKeyStore, clock: Clock) -> None:
    keys = KeyService(store, cache_seconds=0.0, clock=clock)
    first = await keys.create(accounts=frozenset({1}), name="first")
    await keys.authenticate(f"Bearer {first.secret}")
    for n in range(10_001):
        secret = f"omni_{n}"
        await store.add(
            key_id=new_id(),
            name=secret,
            prefix=secret,
            key_hash=hash_key(secret),
            accounts=frozenset(),
            now=utcnow(),
        )
        await keys.authenticate(f"Bearer {secret}")
    store.touches.clear()

    await keys.authenticate(f"Bearer {first.secret}")

    assert store.touches == [first.record_id]
