"""Caps that never lock patients out, without a real kernel: checked and taken at once, the idle
page paused first, the visitor's address behind a trusted proxy only, the busy page in the
visitor's language (``secondopinion.serving._room`` and ``_visitor``).

The same with the real server and real kernels: ``tests/test_serving_room.py``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import time
from typing import Any, ClassVar

import comm
import pytest
import tornado.web
from comm.base_comm import BaseComm
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest

from secondopinion.language import translator
from secondopinion.serving import _room
from secondopinion.serving._channels import PlainChannels
from secondopinion.serving._kernels import _TICKET, _VISITOR, capped
from secondopinion.serving._room import PAUSED_CLOSE_CODE, Visits
from secondopinion.serving._visitor import busy_page, visitor_address
from tests.event_loops import run_alone
from widgets.parts.page_script import Heartbeat

LOCAL = (ipaddress.ip_network("127.0.0.1"),)


class _Kernel:
    def __init__(self) -> None:
        self.execution_state = "idle"


class _Manager:
    """A kernel manager as ``Visits`` sees it: kernels, a pool, and a shutdown that forgets."""

    def __init__(self, pool: int = 0) -> None:
        self._kernels: dict[str, _Kernel] = {}
        self.kernel_pools_config = {"default": {"pool_size": pool}}
        self.visits = Visits(self)
        self.stopped: list[str] = []
        self.most = 0

    def start(self, kernel_id: str) -> None:
        self._kernels[kernel_id] = _Kernel()
        self.visits.kernel_for(_TICKET.get(), kernel_id, _VISITOR.get())
        self.most = max(self.most, len(self._kernels))

    async def shutdown_kernel(self, kernel_id: str) -> None:
        await asyncio.sleep(0)
        self.stopped.append(kernel_id)
        self._kernels.pop(kernel_id, None)
        self.visits.forget(kernel_id)


class _Page(tornado.web.RequestHandler):
    """Voilà's page as the caps see it: a kernel started a moment after the visit comes in."""

    async def get(self) -> None:
        manager = self.settings["kernel_manager"]
        await asyncio.sleep(0)  # Voilà reads the notebook and its template first
        manager.start(f"k{len(manager.stopped)}-{id(self)}")
        await self.settings["gate"].wait()
        self.write("the page")


@pytest.fixture
def caps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECOND_OPINION_KERNELS_PER_ADDRESS", "8")
    monkeypatch.setenv("SECOND_OPINION_MAX_KERNELS", "30")
    monkeypatch.setenv("SECOND_OPINION_PAUSE_AFTER_IDLE", "0")
    monkeypatch.setenv("SECOND_OPINION_ROOM_WAIT", "0")
    monkeypatch.delenv("SECOND_OPINION_TRUSTED_PROXIES", raising=False)


async def _listen(manager: _Manager, gate: asyncio.Event) -> tuple[Any, int]:
    app = tornado.web.Application(
        [(r"/", capped(_Page))], kernel_manager=manager, gate=gate, log_function=lambda _: None
    )
    server = app.listen(0, "127.0.0.1")
    return server, next(iter(server._sockets.values())).getsockname()[1]


async def _load(port: int, headers: dict[str, str] | None = None) -> tuple[int, str]:
    client = AsyncHTTPClient(force_instance=True, max_clients=100)
    try:
        answer = await client.fetch(
            HTTPRequest(f"http://127.0.0.1:{port}/", headers=headers or {}, request_timeout=60)
        )
    except HTTPClientError as error:
        assert error.response is not None
        answer = error.response
    finally:
        client.close()
    return answer.code, answer.body.decode()


def test_forty_loads_at_the_same_moment_take_no_more_than_the_cap(caps: None) -> None:
    """The check and the taking are one step: 40 visits cannot all pass it before any starts."""

    async def burst() -> tuple[list[int], _Manager]:
        manager, gate = _Manager(), asyncio.Event()
        server, port = await _listen(manager, gate)
        try:
            loads = [asyncio.ensure_future(_load(port)) for _ in range(40)]
            while len(manager._kernels) < 8 and not all(load.done() for load in loads):
                await asyncio.sleep(0.01)
            refused = [load for load in loads if load.done()]
            while len(refused) < 32:  # every visit past the cap answered while 8 pages build
                await asyncio.sleep(0.01)
                refused = [load for load in loads if load.done()]
            gate.set()
            return [code for code, _ in await asyncio.gather(*loads)], manager
        finally:
            server.stop()

    codes, manager = run_alone(burst())
    assert manager.most == 8
    assert sorted(codes) == [200] * 8 + [503] * 32


def test_when_full_the_page_idle_longest_is_paused_and_told(caps: None) -> None:
    closed: list[tuple[int, str]] = []

    class _Socket:
        def close(self, code: int, reason: str) -> None:
            closed.append((code, reason))

    class _Channel:
        websocket_handler = _Socket()

    async def visits() -> tuple[int | None, list[str]]:
        manager = _Manager()
        now = time.monotonic()
        for index in range(8):
            manager._kernels[f"k{index}"] = _Kernel()
            manager.visits.kernel_for(None, f"k{index}", "10.0.0.1")
            manager.visits.building.discard(f"k{index}")
            manager.visits.last_seen[f"k{index}"] = now - 100 + index
        manager.visits.last_seen["k0"] = now  # the oldest page's person just did something
        manager._kernels["k1"].execution_state = "busy"  # saving: never paused
        manager.visits.building.add("k2")  # its page is still being sent
        manager.visits.connected("k3", _Channel())
        ticket = await manager.visits.admit("10.0.0.1")
        return ticket, manager.stopped

    ticket, stopped = run_alone(visits())
    assert ticket is not None
    assert stopped == ["k3"]
    assert closed == [(PAUSED_CLOSE_CODE, _room.PAUSED_REASON)]


def test_a_page_is_not_paused_before_it_was_left_alone_long_enough(
    caps: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECOND_OPINION_PAUSE_AFTER_IDLE", "600")

    async def visits() -> tuple[int | None, list[str]]:
        manager = _Manager()
        for index in range(8):
            manager._kernels[f"k{index}"] = _Kernel()
            manager.visits.kernel_for(None, f"k{index}", "10.0.0.1")
            manager.visits.building.discard(f"k{index}")
        return await manager.visits.admit("10.0.0.1"), manager.stopped

    ticket, stopped = run_alone(visits())
    assert ticket is None and stopped == []


def test_the_heartbeat_is_not_the_person_doing_something() -> None:
    visits = Visits(_Manager())
    visits.learn_widgets(
        "k",
        {
            "beat": {"_dom_classes": ["workbook-beat-button"]},
            "next": {"_dom_classes": ["workbook-button"]},
            "text": {"value": "x"},
        },
    )
    assert visits.is_beat("k", "beat")
    assert not visits.is_beat("k", "next")
    assert not visits.is_beat("other", "beat")


def test_the_total_cap_counts_the_waiting_pre_heated_kernels(
    caps: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECOND_OPINION_MAX_KERNELS", "5")

    async def visits() -> list[int | None]:
        manager = _Manager(pool=2)
        return [await manager.visits.admit(f"10.0.0.{n}") for n in range(5)]

    tickets = run_alone(visits())
    assert [t is not None for t in tickets] == [True, True, True, False, False]


def test_a_visit_waits_for_a_page_to_become_idle_rather_than_being_turned_away(
    caps: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECOND_OPINION_KERNELS_PER_ADDRESS", "1")
    monkeypatch.setenv("SECOND_OPINION_ROOM_WAIT", "120")

    async def visits() -> tuple[int | None, list[str]]:
        manager = _Manager()
        first = await manager.visits.admit("10.0.0.1")
        manager._kernels["k"] = _Kernel()
        manager.visits.kernel_for(first, "k", None)
        waiting = asyncio.ensure_future(manager.visits.admit("10.0.0.1"))
        await asyncio.sleep(0.1)
        assert not waiting.done()  # the first page is still being sent
        assert first is not None
        manager.visits.done(first)  # now it is: idle, so it can be paused
        return await asyncio.wait_for(waiting, 60), manager.stopped

    ticket, stopped = run_alone(visits())
    assert ticket is not None and stopped == ["k"]


# ------------------------------------------------------------------ the visitor's address


@pytest.mark.parametrize(
    ("peer", "forwarded", "proxies", "visitor"),
    [
        ("203.0.113.7", ["198.51.100.1"], (), "203.0.113.7"),  # no proxy trusted: the header lies
        ("203.0.113.7", ["198.51.100.1"], LOCAL, "203.0.113.7"),  # not from the trusted proxy
        ("127.0.0.1", ["198.51.100.1"], LOCAL, "198.51.100.1"),
        ("127.0.0.1", ["6.6.6.6, 198.51.100.1"], LOCAL, "198.51.100.1"),  # the left one is made up
        ("127.0.0.1", ["6.6.6.6", "198.51.100.1"], LOCAL, "198.51.100.1"),  # two header lines
        ("127.0.0.1", ["::ffff:198.51.100.1"], LOCAL, "198.51.100.1"),  # as Node writes it
        ("127.0.0.1", [], LOCAL, "127.0.0.1"),
        ("127.0.0.1", ["not-an-address"], LOCAL, "127.0.0.1"),
        (
            "127.0.0.1",
            ["6.6.6.6, 198.51.100.1, 10.1.2.3"],
            (*LOCAL, ipaddress.ip_network("10.0.0.0/8")),
            "198.51.100.1",  # two trusted hops: the ingress, then the hub's proxy
        ),
    ],
)
def test_the_visitor_address_comes_from_a_trusted_proxy_only(
    peer: str, forwarded: list[str], proxies: tuple[Any, ...], visitor: str
) -> None:
    assert visitor_address(peer, forwarded, proxies=proxies) == visitor


def _forwarded_loads(headers: list[dict[str, str]]) -> list[int]:
    async def loads() -> list[int]:
        manager, gate = _Manager(), asyncio.Event()
        gate.set()
        server, port = await _listen(manager, gate)
        try:
            return [(await _load(port, h))[0] for h in headers]
        finally:
            server.stop()

    return run_alone(loads())


def test_behind_the_trusted_proxy_each_patient_counts_as_themselves(
    caps: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECOND_OPINION_KERNELS_PER_ADDRESS", "1")
    monkeypatch.setenv("SECOND_OPINION_TRUSTED_PROXIES", "127.0.0.1")
    patients = [{"X-Forwarded-For": f"198.51.100.{n}"} for n in range(1, 6)]
    assert _forwarded_loads(patients) == [200] * 5
    # the same patient twice: the cap of one address holds (no page can be paused: none idle)
    again = [{"X-Forwarded-For": "198.51.100.9"}, {"X-Forwarded-For": "6.6.6.6, 198.51.100.9"}]
    monkeypatch.setenv("SECOND_OPINION_PAUSE_AFTER_IDLE", "600")
    assert _forwarded_loads(again) == [200, 503]


def test_a_forwarded_header_from_an_untrusted_peer_is_ignored(
    caps: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECOND_OPINION_KERNELS_PER_ADDRESS", "1")
    monkeypatch.setenv("SECOND_OPINION_PAUSE_AFTER_IDLE", "600")
    monkeypatch.setenv("SECOND_OPINION_TRUSTED_PROXIES", "10.9.9.9")
    made_up = [
        {"X-Forwarded-For": "198.51.100.1"},
        {"X-Forwarded-For": "198.51.100.2"},
        {"X-Real-IP": "198.51.100.3"},
        {"Forwarded": "for=198.51.100.4"},
    ]
    assert _forwarded_loads(made_up) == [200, 503, 503, 503]


# ------------------------------------------------------------------ the busy page


def test_the_busy_page_is_in_the_visitors_language(
    caps: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECOND_OPINION_MAX_KERNELS", "1")

    async def loads() -> list[tuple[int, str]]:
        manager, gate = _Manager(), asyncio.Event()
        server, port = await _listen(manager, gate)
        try:
            first = asyncio.ensure_future(_load(port))
            while not manager._kernels:
                await asyncio.sleep(0.01)
            answers = [
                await _load(port, {"Accept-Language": "es-MX,es;q=0.9,en;q=0.8"}),
                await _load(port, {"Accept-Language": "fr, en;q=0.5"}),
            ]
            gate.set()
            await first
            return answers
        finally:
            server.stop()

    spanish, english = run_alone(loads())
    assert spanish[0] == english[0] == 503
    assert "<html lang='es'>" in spanish[1] and "El cuaderno está ocupado" in spanish[1]
    assert "The workbook is busy right now" in english[1]
    assert busy_page("es" + ",x" * 100_000).startswith("<!doctype html><html lang='es'>")


def test_the_page_knows_the_paused_sign_and_says_it_in_the_workbook_language() -> None:
    from widgets.parts import page_script as script

    assert script.PAUSED_CLOSE_CODE == PAUSED_CLOSE_CODE
    english, spanish = script.page_script("en"), script.page_script("es")
    assert "event.code === CONFIG.paused_code" in english
    assert f'"paused_code": {PAUSED_CLOSE_CODE}' in english
    assert "paused to make room for another person" in english
    words = json.dumps(translator("es").gettext(script.PAUSED))
    assert "se pausó para dejar lugar a otra persona" in json.loads(words)
    assert words in spanish and '"Continuar"' in spanish


class _RecordingComm(BaseComm):  # type: ignore[misc]
    """A widget's comm that keeps what it would send to the page."""

    sent: ClassVar[list[tuple[str, dict[str, Any]]]] = []

    def publish_msg(
        self,
        msg_type: str,
        data: Any = None,
        metadata: Any = None,
        buffers: Any = None,
        **keys: Any,
    ) -> None:
        _RecordingComm.sent.append((msg_type, {"comm_id": self.comm_id, "data": data or {}}))


def test_the_server_knows_the_real_heartbeat_from_what_the_kernel_sends(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The page is built after its visit: the server learns the heartbeat from its messages."""
    monkeypatch.setattr(comm, "create_comm", lambda **kwargs: _RecordingComm(**kwargs))
    _RecordingComm.sent = []
    beat = Heartbeat()
    manager = _Manager()

    class Channel(PlainChannels):  # the real channel, for kernel "k" of this manager
        multi_kernel_manager = manager
        kernel_id = "k"

    channel = Channel.__new__(Channel)
    for msg_type, content in _RecordingComm.sent:
        channel._learn_widgets(msg_type, content)
    assert manager.visits.is_beat("k", beat.ping.comm.comm_id)
    assert not manager.visits.is_beat("k", beat.answer.comm.comm_id)
