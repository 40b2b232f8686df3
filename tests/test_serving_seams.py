"""The server's one seam into other libraries' inner parts: their shape is checked at start."""

from __future__ import annotations

import importlib

import pytest

from secondopinion.serving import _seams
from secondopinion.serving._seams import (
    TOUCHED,
    ChangedShape,
    Shape,
    changed_shapes,
    refuse_changed_shapes,
)


def test_every_inner_part_the_server_touches_has_its_shape_as_installed() -> None:
    assert changed_shapes() == []
    assert {shape.module.split(".")[0] for shape in TOUCHED} >= {
        "voila",
        "jupyter_server",
        "jupyter_client",
        "ipykernel",
    }


def test_a_missing_attribute_stops_the_server_with_a_message_naming_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from voila.request_info_handler import RequestInfoSocketHandler

    monkeypatch.delattr(RequestInfoSocketHandler, "_cache")
    with pytest.raises(ChangedShape) as stopped:
        refuse_changed_shapes()
    message = str(stopped.value)
    assert "voila.request_info_handler:RequestInfoSocketHandler._cache is missing" in message
    assert "Traceback" not in message and message.count("\n  - ") == 1


def test_a_method_that_takes_other_parameters_is_named_with_both(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    module = importlib.import_module("jupyter_server.services.kernels.kernelmanager")

    def notify_connect(self: object, kernel_id: str, extra: int) -> None: ...

    monkeypatch.setattr(module.AsyncMappingKernelManager, "notify_connect", notify_connect)
    problems = changed_shapes()
    assert problems == [
        f"{module.__name__}:AsyncMappingKernelManager.notify_connect takes "
        "(kernel_id, extra), not (kernel_id)"
    ]


def test_a_library_that_is_gone_is_named_too() -> None:
    shape = Shape("no_such_library_here", "Thing.method", ())
    assert changed_shapes([shape]) == ["no_such_library_here:Thing.method is missing"]


def test_voila_keeps_nothing_of_a_visit_once_the_seam_is_in_place(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from voila.request_info_handler import RequestInfoSocketHandler

    monkeypatch.setattr(
        RequestInfoSocketHandler, "send_updates", RequestInfoSocketHandler.send_updates
    )
    monkeypatch.setattr(RequestInfoSocketHandler, "_cache", {})
    heard: list[str] = []
    _seams.stop_handing_over_visits(heard.append)
    RequestInfoSocketHandler.send_updates({"kernel_id": "k1", "payload": {"QUERY_STRING": "x"}})
    assert heard == ["k1"]
    assert RequestInfoSocketHandler._cache == {}
