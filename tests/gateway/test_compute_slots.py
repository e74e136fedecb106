"""The gateway gives up its thread's compute slot while a model works (govai.concurrency), so a
slow remote model never holds up the questions behind it."""

from __future__ import annotations

import threading
import time

from govai.concurrency import ComputeSlots
from govai.gateway import ModelGateway, ModelRequest
from govai.platform import Platform
from govai.testing.fake_openai import FakeOpenAI

from .conftest import OPERATOR, add_remote


def test_a_question_waiting_on_a_slow_model_does_not_hold_up_the_next(
    demo_platform: Platform, fake_llm: FakeOpenAI
) -> None:
    """The gateway gives the slot up while the model works, so with one slot a second request
    computes during the first one's model call instead of after it."""
    remote = add_remote(demo_platform, fake_llm)
    fake_llm.queue_reply("稍后的答复。", delay=1.0)
    gateway = ModelGateway(demo_platform.db, demo_platform.settings)
    slots = ComputeSlots(1)
    replies: list[str] = []

    def ask() -> None:
        with slots.held():
            request = ModelRequest("qa", [{"role": "user", "content": "问"}], provider=remote)
            replies.append(gateway.complete(request, OPERATOR).text)

    thread = threading.Thread(target=ask)
    thread.start()
    deadline = time.monotonic() + 10
    while not fake_llm.requests:  # the call is with the model now
        assert time.monotonic() < deadline and thread.is_alive()
        time.sleep(0.01)
    started = time.monotonic()
    with slots.held():
        waited = time.monotonic() - started
    thread.join(10)
    assert waited < 0.5, f"waited {waited:.2f} s for the slot the model call held"
    assert replies and replies[0].endswith("稍后的答复。")
