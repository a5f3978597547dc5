"""The garbage collector paused while a claim is composed (``function.collector``), and always resumed."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest
from crossplane.function.proto.v1 import run_function_pb2 as fnv1

from function import claims, fn
from function.collector import MAX_YOUNG_PAUSED, PAUSED
from function.input import read_input
from tests.function.requests import fatal, request, xr

HOSTS = [f"h{i:04d}.acme.omantel.example" for i in range(1000)]
LARGE = {"hostnames": HOSTS, "regions": ["fsn", "hel"], "strategy": {"type": "failover", "primaryRegion": "fsn"},
         "backendRef": {"kind": "Service", "name": "shop"}}


@pytest.fixture
def collections() -> Iterator[list[int]]:
    """The generation of every collection that starts while the fixture is in use."""
    started: list[int] = []

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started.append(info["generation"])

    gc.callbacks.append(seen)
    yield started
    gc.callbacks.remove(seen)


def test_paused_inside_and_resumed_after() -> None:
    assert gc.isenabled()
    with PAUSED:
        assert not gc.isenabled()
        with PAUSED:  # reentrant
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_resumed_after_an_exception() -> None:
    with pytest.raises(ValueError), PAUSED:
        raise ValueError
    assert gc.isenabled()


def test_resumed_only_when_the_last_thread_ends() -> None:
    inside, release = threading.Event(), threading.Event()

    def compose() -> None:
        with PAUSED:
            inside.set()
            release.wait(10)

    other = threading.Thread(target=compose)
    other.start()
    try:
        assert inside.wait(10)
        with PAUSED:
            pass
        assert not gc.isenabled()  # the other thread is still composing
    finally:
        release.set()
        other.join(10)
    assert gc.isenabled()


@pytest.mark.parametrize("made", [MAX_YOUNG_PAUSED // 2, MAX_YOUNG_PAUSED * 3 // 2])
def test_overlapping_pauses_walk_the_young_generation_past_the_bound(made: int, collections: list[int]) -> None:
    gc.collect()
    collections.clear()
    with PAUSED:  # another composition, still running
        with PAUSED:
            kept = [[] for _ in range(made)]  # containers the collector tracks
        assert not gc.isenabled()
        assert collections == ([0] if made > MAX_YOUNG_PAUSED else []), (made, collections)
    assert len(kept) == made


def test_a_process_that_turned_it_off_keeps_it_off() -> None:
    gc.disable()
    try:
        with PAUSED:
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_large_first_composition_runs_no_collection(collections: list[int]) -> None:
    """The same composition, unpaused (``_compose`` itself) and as the handler runs it (``_composition``).

    At most one collection in the second: the one the first allocation after the pause may start.
    """
    req = fn.request.of(request(xr("Gslb", LARGE, name="unpaused")))  # as the handler reads it
    settings = fn._require_settings(req, fnv1.RunFunctionResponse(), read_input(None), fn.requirements.channel(req))
    assert settings is not None
    fn._compose(claims.decisive_parts(req.observed.composite.resource.fields), read_input(None), settings)
    unpaused = len(collections)
    collections.clear()
    paused_req = request(xr("Gslb", LARGE, name="paused"))
    composition = fn._composition(fn.request.of(paused_req), read_input(None), b"", settings, memo=None)
    assert not isinstance(composition, str), composition
    # A 1,000-hostname composition crosses CPython 3.11's young threshold (700) several times.
    assert unpaused >= 3, unpaused
    assert len(collections) <= 1, collections
    assert gc.isenabled()


@pytest.mark.parametrize("spec", [LARGE, {**LARGE, "regions": ["fsn", "ams"]}], ids=["composed", "refused"])
def test_the_handler_leaves_it_running(spec: dict[str, object]) -> None:
    rsp = fn.run(request(xr("Gslb", spec)), memo=None)
    assert ("ams" in str(spec)) == (fatal(rsp) is not None)
    assert gc.isenabled()
