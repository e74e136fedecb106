"""Reading structured answers out of a chat model's text.

Models asked for JSON answer in many forms: bare, in a ```json fence, with prose around it, after
a reasoning model's ``<think>`` block. :func:`json_objects` finds every JSON object in such a
text, leniently in form; what an object must contain is for the scenario to judge, strictly.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["json_objects"]

_THINK = re.compile(r"<think>.*?(?:</think>|$)", re.S)
_FENCE = re.compile(r"```[A-Za-z]*\s*(.*?)```", re.S)


def json_objects(text: str) -> list[dict[str, Any]]:
    """The JSON objects in ``text`` (a ``<think>`` block removed): inside ``` fences first, then
    anywhere, in order."""
    text = _THINK.sub("", text)
    decoder = json.JSONDecoder()
    found: list[dict[str, Any]] = []
    for chunk in [*(m.group(1) for m in _FENCE.finditer(text)), text]:
        start = chunk.find("{")
        while start != -1:
            try:
                value, end = decoder.raw_decode(chunk, start)
            except ValueError:
                start = chunk.find("{", start + 1)
                continue
            if isinstance(value, dict):
                found.append(value)
            start = chunk.find("{", end)
    return found
