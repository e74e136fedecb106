"""Reading structured answers out of a chat model's text.

Models asked for JSON answer in many forms: bare, in a ```json fence, with prose around it, after
a reasoning model's ``<think>`` block. :func:`json_objects` finds every JSON object in such a
text, leniently in form; what an object must contain is for the scenario to judge, strictly.

Drafts that rest on numbered evidence come back in one of two forms: a chat model's text with
``[n]`` after a sentence (:func:`cite_numbers` turns each into the evidence's source), or the
``extractive`` provider's quoted sentences each followed by ``〔source〕``
(:func:`quoted_sentences` pairs them up).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

__all__ = ["cite_numbers", "json_objects", "quoted_sentences"]

_NUMBERS = re.compile(r"\[(\d+(?:\s*[,，、]\s*\d+)*)\]")

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


def cite_numbers(text: str, citations: Sequence[str]) -> tuple[str, list[int]]:
    """``text`` with every ``[n]`` (also ``[1, 2]``) replaced by ``〔citations[n-1]〕``; a number
    that names no citation becomes a visible 【所引资料编号 n 不存在，请核实】 instead of
    vanishing. Returns the text and the numbers cited (1-based, ascending, once each)."""
    cited: set[int] = set()

    def replace(match: re.Match[str]) -> str:
        marks = []
        for number in re.split(r"\s*[,，、]\s*", match.group(1)):
            n = int(number)
            if 1 <= n <= len(citations):
                marks.append(f"〔{citations[n - 1]}〕")
                cited.add(n)
            else:
                marks.append(f"【所引资料编号 {n} 不存在，请核实】")
        return "".join(marks)

    return _NUMBERS.sub(replace, text), sorted(cited)


def quoted_sentences(text: str, citations: Sequence[str]) -> list[tuple[str, int]]:
    """The ``extractive`` provider's output (sentence〔source〕sentence〔source〕…) as
    ``(sentence, index)`` pairs, ``index`` into ``citations``; text after the last known marker,
    and markers of unknown sources, are dropped."""
    markers = {f"〔{c}〕": i for i, c in enumerate(citations)}
    if not markers:
        return []
    pattern = re.compile("|".join(map(re.escape, sorted(markers, key=len, reverse=True))))
    out = []
    start = 0
    for match in pattern.finditer(text):
        sentence = text[start : match.start()].strip()
        start = match.end()
        if sentence:
            out.append((sentence, markers[match.group()]))
    return out
