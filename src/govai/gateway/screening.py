"""Sensitive-word screening of model input and output with an Aho-Corasick automaton.

《生成式人工智能服务管理暂行办法》第十四条: on illegal content, stop generating/transmitting it and
keep records. A ``block`` word in the input stops the call before any provider is reached; a
``block`` word in the output withholds the reply. A ``review`` word lets the text through and
flags it for a person (``ModelResponse.review_words``).

Matching is case-insensitive and treats full-width and half-width forms alike (per-character NFKC
folding that keeps positions, so the streaming buffer can release exact prefixes).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

import ahocorasick

from govai.errors import ContentBlocked

BLOCK = "block"
REVIEW = "review"
ACTIONS = (BLOCK, REVIEW)


def fold(text: str) -> str:
    """Case- and width-insensitive form of ``text`` with the same length."""
    out = []
    for c in text:
        n = unicodedata.normalize("NFKC", c).casefold()
        out.append(n if len(n) == 1 else c)
    return "".join(out)


@dataclass
class ScreenResult:
    block: list[str] = field(default_factory=list)
    review: list[str] = field(default_factory=list)


class Screener:
    """An automaton over (word, action) pairs; ``block`` wins when a word is in both."""

    def __init__(self, words: Iterable[tuple[str, str]]) -> None:
        actions: dict[str, str] = {}
        for word, action in words:
            key = fold(word.strip())
            if key and (actions.get(key) != BLOCK):
                actions[key] = action
        self.max_len = max((len(w) for w in actions), default=0)
        self._automaton = ahocorasick.Automaton() if actions else None
        if self._automaton is not None:
            for key, action in actions.items():
                self._automaton.add_word(key, (key, action))
            self._automaton.make_automaton()

    def scan(self, text: str) -> ScreenResult:
        result = ScreenResult()
        if self._automaton is None or not text:
            return result
        for _end, (word, action) in self._automaton.iter(fold(text)):
            target = result.block if action == BLOCK else result.review
            if word not in target:
                target.append(word)
        return result


def input_blocked(words: list[str]) -> ContentBlocked:
    shown = "、".join(f"“{w}”" for w in words)
    return ContentBlocked(
        f"输入内容含有禁用词 {shown}，本次请求未发送给模型，并已按规定记录。"
        "请修改后重试；如认为属于误判，请联系安全保密管理员（`govai words list`）。",
        stage="input",
        words=words,
    )


def output_blocked(words: list[str]) -> ContentBlocked:
    shown = "、".join(f"“{w}”" for w in words)
    return ContentBlocked(
        f"模型的回答含有禁用词 {shown}，已被拦截、不予显示，并已按规定记录。"
        "请换一种问法，或联系人工服务。",
        stage="output",
        words=words,
    )


class StreamScreen:
    """Screens a streamed reply: holds back ``max_len - 1`` characters so that a word split across
    chunks is caught before any part of it is released."""

    def __init__(self, screener: Screener) -> None:
        self.screener = screener
        self._tail = ""
        self.review: list[str] = []

    def _check(self, window: str) -> None:
        found = self.screener.scan(window)
        if found.block:
            raise output_blocked(found.block)
        self.review.extend(w for w in found.review if w not in self.review)

    def feed(self, chunk: str) -> str:
        window = self._tail + chunk
        self._check(window)
        keep = max(self.screener.max_len - 1, 0)
        cut = max(len(window) - keep, 0)
        self._tail = window[cut:]
        return window[:cut]

    def flush(self) -> str:
        window, self._tail = self._tail, ""
        self._check(window)
        return window
