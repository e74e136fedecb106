"""The expression language of rule files: small, typed, safe, and explicit about missing facts.

Rule files (:mod:`govai.approval.rules`) are written by department staff and read by reviewers,
so conditions are one-line expressions rather than code. Nothing here calls ``eval``: the text
is tokenised and parsed by hand into an AST, type-checked against the declared fields, and
compiled once into nested closures, so evaluating a condition is a handful of Python calls.

Grammar (lowest precedence first)::

    expr    := or
    or      := and ("or" and)*
    and     := not ("and" not)*
    not     := "not" not | compare
    compare := sum [("==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "not in") sum]
    sum     := product (("+" | "-") product)*
    product := unary (("*" | "/" | "%") unary)*
    unary   := "-" unary | atom
    atom    := NUMBER | STRING | "true" | "false" | NAME | NAME "(" [expr ("," expr)*] ")"
             | "(" expr ")" | "[" [expr ("," expr)*] "]"

Strings are quoted with ``"…"``, ``'…'`` or Chinese quotes ``“…”``; ``≥ ≤ ≠`` are accepted for
``>= <= !=``. Names are the fields a rule file declares, the outputs of its decision tables, and
``today``; they may be Chinese (``累计缴费月数 >= 12``). Comparisons do not chain.

Missing facts: a field the application does not give is :data:`UNKNOWN`, never ``None`` or a
default. Every operator and function propagates it (``UNKNOWN >= 12`` is ``UNKNOWN``), except
where the answer is decided anyway — three-valued (Kleene) logic: ``false and UNKNOWN`` is
``false``, ``true or UNKNOWN`` is ``true``, and ``x in [..]`` is ``true`` once an element equals.
``known(x)`` asks whether a value is known and never returns ``UNKNOWN``. A condition that
evaluates to ``UNKNOWN`` is not machine-decided: the pre-check asks for the field or hands the
application to a person, it never guesses.

Types are ``number``, ``text``, ``date``, ``bool`` and ``list``; the checker refuses at load time
what could only fail at run time (comparing a date with a number, ``and`` on a number, an
unknown function or name), with the character position so the rule file error can point at it.
Dates: ``date + n`` and ``date - n`` move by days, ``date - date`` is a number of days.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from govai.approval.expr_lib import (
    ANY,
    BOOL,
    DATE,
    FUNCTIONS,
    LIST,
    NUMBER,
    TEXT,
    TYPE_LABELS,
    UNKNOWN,
    Env,
    Fn,
    format_value,
    to_date,
)

__all__ = [
    "Expression",
    "ExpressionError",
    "Template",
    "compile_expression",
    "compile_template",
]


class ExpressionError(Exception):
    """A bad expression; ``position`` is the 0-based character offset in the source."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


# ---------------------------------------------------------------------------------------------
# tokens

_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<string>"[^"\n]*"|'[^'\n]*'|“[^”\n]*”)
  | (?P<op>==|!=|<=|>=|≥|≤|≠|<|>|\+|-|\*|/|%|\(|\)|\[|\]|,|，|（|）)
  | (?P<name>[^\W\d]\w*)
    """,
    re.VERBOSE,
)
_OP_ALIASES = {"≥": ">=", "≤": "<=", "≠": "!=", "，": ",", "（": "(", "）": ")"}
_KEYWORDS = frozenset({"and", "or", "not", "in", "true", "false"})


@dataclass(frozen=True)
class _Token:
    kind: str  # number, string, op, name, keyword, end
    text: str
    pos: int


def _tokenize(source: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(source):
        m = _TOKEN_RE.match(source, pos)
        if not m:
            ch = source[pos]
            if ch in "\"'“":
                raise ExpressionError("字符串缺少结尾的引号", pos)
            if ch == "=":
                raise ExpressionError("比较相等请写 ==（单个 = 不是运算符）", pos)
            raise ExpressionError(f"无法识别的字符 “{ch}”", pos)
        kind = m.lastgroup or ""
        text = m.group()
        if kind == "op":
            text = _OP_ALIASES.get(text, text)
        elif kind == "name" and text in _KEYWORDS:
            kind = "keyword"
        if kind != "ws":
            tokens.append(_Token(kind, text, pos))
        pos = m.end()
    tokens.append(_Token("end", "", len(source)))
    return tokens


# ---------------------------------------------------------------------------------------------
# AST


@dataclass(frozen=True)
class _Node:
    pos: int


@dataclass(frozen=True)
class _Literal(_Node):
    value: Any


@dataclass(frozen=True)
class _Name(_Node):
    name: str


@dataclass(frozen=True)
class _List(_Node):
    items: tuple[_Node, ...]


@dataclass(frozen=True)
class _Unary(_Node):
    op: str
    operand: _Node


@dataclass(frozen=True)
class _Binary(_Node):
    op: str
    left: _Node
    right: _Node


@dataclass(frozen=True)
class _Call(_Node):
    name: str
    args: tuple[_Node, ...]


_COMPARE_OPS = frozenset({"==", "!=", "<", "<=", ">", ">="})


class _Parser:
    def __init__(self, source: str) -> None:
        self.tokens = _tokenize(source)
        self.i = 0

    @property
    def tok(self) -> _Token:
        return self.tokens[self.i]

    def take(self) -> _Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def at(self, kind: str, text: str) -> bool:
        return self.tok.kind == kind and self.tok.text == text

    def expect(self, text: str, what: str) -> _Token:
        if self.tok.text != text or self.tok.kind not in ("op", "keyword"):
            raise ExpressionError(
                f"此处应为 “{text}”（{what}），实际为{_describe(self.tok)}", self.tok.pos
            )
        return self.take()

    def parse(self) -> _Node:
        if self.tok.kind == "end":
            raise ExpressionError("表达式为空", 0)
        node = self.or_()
        if self.tok.kind != "end":
            raise ExpressionError(f"多余的内容：{_describe(self.tok)}", self.tok.pos)
        return node

    def or_(self) -> _Node:
        node = self.and_()
        while self.at("keyword", "or"):
            pos = self.take().pos
            node = _Binary(pos, "or", node, self.and_())
        return node

    def and_(self) -> _Node:
        node = self.not_()
        while self.at("keyword", "and"):
            pos = self.take().pos
            node = _Binary(pos, "and", node, self.not_())
        return node

    def not_(self) -> _Node:
        if self.at("keyword", "not"):
            pos = self.take().pos
            return _Unary(pos, "not", self.not_())
        return self.compare()

    def compare(self) -> _Node:
        left = self.sum()
        tok = self.tok
        if tok.kind == "op" and tok.text in _COMPARE_OPS:
            self.take()
            node: _Node = _Binary(tok.pos, tok.text, left, self.sum())
        elif self.at("keyword", "in"):
            self.take()
            node = _Binary(tok.pos, "in", left, self.sum())
        elif self.at("keyword", "not") and self.tokens[self.i + 1].text == "in":
            self.take()
            self.take()
            node = _Binary(tok.pos, "not in", left, self.sum())
        else:
            return left
        nxt = self.tok
        if (nxt.kind == "op" and nxt.text in _COMPARE_OPS) or self.at("keyword", "in"):
            raise ExpressionError("比较不能连写，请用 and 连接两个比较", nxt.pos)
        return node

    def sum(self) -> _Node:
        node = self.product()
        while self.tok.kind == "op" and self.tok.text in ("+", "-"):
            tok = self.take()
            node = _Binary(tok.pos, tok.text, node, self.product())
        return node

    def product(self) -> _Node:
        node = self.unary()
        while self.tok.kind == "op" and self.tok.text in ("*", "/", "%"):
            tok = self.take()
            node = _Binary(tok.pos, tok.text, node, self.unary())
        return node

    def unary(self) -> _Node:
        if self.at("op", "-"):
            pos = self.take().pos
            return _Unary(pos, "-", self.unary())
        return self.atom()

    def atom(self) -> _Node:
        tok = self.take()
        if tok.kind == "number":
            value = float(tok.text) if "." in tok.text else int(tok.text)
            return _Literal(tok.pos, value)
        if tok.kind == "string":
            return _Literal(tok.pos, tok.text[1:-1])
        if tok.kind == "keyword" and tok.text in ("true", "false"):
            return _Literal(tok.pos, tok.text == "true")
        if tok.kind == "name":
            if self.at("op", "("):
                self.take()
                args = self.items(")")
                return _Call(tok.pos, tok.text, args)
            return _Name(tok.pos, tok.text)
        if tok.kind == "op" and tok.text == "(":
            node = self.or_()
            self.expect(")", "与前面的 “(” 配对")
            return node
        if tok.kind == "op" and tok.text == "[":
            return _List(tok.pos, self.items("]"))
        if tok.kind == "end":
            raise ExpressionError("表达式不完整：结尾缺少操作数", tok.pos)
        raise ExpressionError(
            f"此处应为数值、字符串、字段名或括号，实际为{_describe(tok)}", tok.pos
        )

    def items(self, close: str) -> tuple[_Node, ...]:
        items: list[_Node] = []
        if self.at("op", close):
            self.take()
            return ()
        while True:
            items.append(self.or_())
            if self.at("op", ","):
                self.take()
                continue
            self.expect(close, "列表或参数的结尾")
            return tuple(items)


def _describe(tok: _Token) -> str:
    return "表达式结尾" if tok.kind == "end" else f" “{tok.text}”"


# ---------------------------------------------------------------------------------------------
# ---------------------------------------------------------------------------------------------
# type checking and compilation


def _compatible(actual: str, allowed: Sequence[str]) -> bool:
    return actual == ANY or ANY in allowed or actual in allowed


class _Compiler:
    def __init__(self, types: Mapping[str, str]) -> None:
        self.types = types
        self.names: set[str] = set()

    def compile(self, node: _Node) -> tuple[Fn, str]:
        if isinstance(node, _Literal):
            return self.literal(node)
        if isinstance(node, _Name):
            return self.name(node)
        if isinstance(node, _List):
            return self.list_(node)
        if isinstance(node, _Unary):
            return self.unary(node)
        if isinstance(node, _Binary):
            return self.binary(node)
        if isinstance(node, _Call):
            return self.call(node)
        raise AssertionError(node)  # pragma: no cover

    def literal(self, node: _Literal) -> tuple[Fn, str]:
        value = node.value
        kind = BOOL if isinstance(value, bool) else TEXT if isinstance(value, str) else NUMBER
        return (lambda env: value), kind

    def name(self, node: _Name) -> tuple[Fn, str]:
        if node.name not in self.types:
            known = "、".join(sorted(self.types)) or "（无）"
            raise ExpressionError(f"未声明的名称 “{node.name}”；可用的有：{known}", node.pos)
        self.names.add(node.name)
        key = node.name
        return (lambda env: env[key]), self.types[key]

    def list_(self, node: _List) -> tuple[Fn, str]:
        compiled = [self.compile(item) for item in node.items]
        fns = [fn for fn, _ in compiled]
        if all(isinstance(item, _Literal) for item in node.items):
            values = [item.value for item in node.items if isinstance(item, _Literal)]
            return (lambda env: values), LIST

        def build(env: Env) -> Any:
            out = [fn(env) for fn in fns]
            return UNKNOWN if any(v is UNKNOWN for v in out) else out

        return build, LIST

    def unary(self, node: _Unary) -> tuple[Fn, str]:
        fn, kind = self.compile(node.operand)
        if node.op == "not":
            self.require(kind, (BOOL,), node.operand, "not 只能用于条件（是/否）")

            def not_(env: Env) -> Any:
                v = fn(env)
                return UNKNOWN if v is UNKNOWN else not v

            return not_, BOOL
        self.require(kind, (NUMBER,), node.operand, "负号只能用于数值")

        def neg(env: Env) -> Any:
            v = fn(env)
            return UNKNOWN if v is UNKNOWN else -v

        return neg, NUMBER

    def require(self, kind: str, allowed: Sequence[str], node: _Node, message: str) -> None:
        if not _compatible(kind, allowed):
            raise ExpressionError(f"{message}（此处是{TYPE_LABELS[kind]}）", node.pos)

    def binary(self, node: _Binary) -> tuple[Fn, str]:
        left, lt = self.compile(node.left)
        right, rt = self.compile(node.right)
        op = node.op
        if op in ("and", "or"):
            self.require(lt, (BOOL,), node.left, f"{op} 两边须为条件（是/否）")
            self.require(rt, (BOOL,), node.right, f"{op} 两边须为条件（是/否）")
            return _kleene(op == "or", left, right), BOOL
        if op in ("in", "not in"):
            return self.membership(node, left, lt, right, rt)
        if op in _COMPARE_OPS:
            if lt != ANY and rt != ANY and lt != rt:
                raise ExpressionError(
                    f"不能比较{TYPE_LABELS[lt]}与{TYPE_LABELS[rt]}（“{op}” 两边类型须相同）",
                    node.pos,
                )
            if op not in ("==", "!=") and lt in (BOOL, LIST):
                raise ExpressionError(f"“{op}” 不能用于{TYPE_LABELS[lt]}", node.pos)
            return _strict2(_PY_OPS[op], left, right), BOOL
        return self.arithmetic(node, left, lt, right, rt)

    def membership(self, node: _Binary, left: Fn, lt: str, right: Fn, rt: str) -> tuple[Fn, str]:
        negate = node.op == "not in"
        if rt == TEXT:
            self.require(lt, (TEXT,), node.left, "在文本中查找时左边须为文本")
            return _strict2(lambda a, b: (a in b) != negate, left, right), BOOL
        self.require(rt, (LIST,), node.right, 'in 的右边须为列表（如 ["甲", "乙"]）或文本')
        items = node.right.items if isinstance(node.right, _List) else None
        literals = [i for i in items or () if isinstance(i, _Literal)]
        if items is not None and len(literals) == len(items):
            members = frozenset(i.value for i in literals)
            for item in literals:
                _, kind = self.literal(item)
                if lt != ANY and kind != lt:
                    raise ExpressionError(
                        f"列表中的 {format_value(item.value)} 是{TYPE_LABELS[kind]}，"
                        f"而左边是{TYPE_LABELS[lt]}",
                        item.pos,
                    )

            def in_set(env: Env) -> Any:
                v = left(env)
                return UNKNOWN if v is UNKNOWN else (v in members) != negate

            return in_set, BOOL

        if items is not None:
            # a list with computed members: decided as soon as one member equals, else
            # unknown if any member is unknown (three-valued `in`)
            member_fns = [self.compile(i)[0] for i in items]

            def in_mixed(env: Env) -> Any:
                v = left(env)
                if v is UNKNOWN:
                    return UNKNOWN
                unknown = False
                for fn in member_fns:
                    m = fn(env)
                    if m is UNKNOWN:
                        unknown = True
                    elif m == v:
                        return not negate
                return UNKNOWN if unknown else negate

            return in_mixed, BOOL
        return _strict2(lambda a, b: (a in b) != negate, left, right), BOOL

    def arithmetic(self, node: _Binary, left: Fn, lt: str, right: Fn, rt: str) -> tuple[Fn, str]:
        op = node.op
        if op in ("+", "-") and lt == DATE:
            if rt == DATE and op == "-":
                return _strict2(lambda a, b: (a - b).days, left, right), NUMBER
            self.require(rt, (NUMBER,), node.right, f"日期 {op} 后须为天数")
            sign = 1 if op == "+" else -1
            return (
                _strict2(lambda a, b: date.fromordinal(a.toordinal() + sign * int(b)), left, right),
                DATE,
            )
        self.require(lt, (NUMBER,), node.left, f"“{op}” 只能用于数值")
        self.require(rt, (NUMBER,), node.right, f"“{op}” 只能用于数值")
        return _strict2(_PY_OPS[op], left, right), NUMBER

    def call(self, node: _Call) -> tuple[Fn, str]:
        spec = FUNCTIONS.get(node.name)
        if spec is None:
            names = "、".join(sorted(FUNCTIONS))
            raise ExpressionError(f"没有名为 “{node.name}” 的函数；可用的有：{names}", node.pos)
        compiled = [self.compile(a) for a in node.args]
        if spec.variadic:
            if not compiled:
                raise ExpressionError(f"{node.name}() 至少需要 1 个参数", node.pos)
            if len({kind for _, kind in compiled} - {ANY}) > 1:
                raise ExpressionError(f"{node.name}() 的参数类型须相同", node.pos)
            params = spec.params * len(compiled)
        else:
            params = spec.params
            if len(compiled) != len(params):
                raise ExpressionError(
                    f"{node.name}() 需要 {len(params)} 个参数，给了 {len(compiled)} 个", node.pos
                )
        for (_, kind), allowed, arg in zip(compiled, params, node.args, strict=True):
            wanted = "或".join(TYPE_LABELS[a] for a in allowed)
            self.require(kind, allowed, arg, f"{node.name}() 的参数应为{wanted}")
        fns = [fn for fn, _ in compiled]
        result = spec.result
        if result == ANY and compiled:
            result = compiled[0][1]
        if node.name == "known":
            inner = fns[0]
            return (lambda env: inner(env) is not UNKNOWN), BOOL
        if node.name == "date" and isinstance(node.args[0], _Literal):
            try:
                fixed = to_date(node.args[0].value)
            except ValueError as exc:
                raise ExpressionError(str(exc), node.args[0].pos) from None
            return (lambda env: fixed), DATE
        impl = spec.impl
        if spec.needs_today:
            fns = [*fns, lambda env: env["today"]]
        if len(fns) == 1:
            only = fns[0]

            def call1(env: Env) -> Any:
                v = only(env)
                return UNKNOWN if v is UNKNOWN else impl(v)

            return call1, result

        def call_n(env: Env) -> Any:
            values = [fn(env) for fn in fns]
            if any(v is UNKNOWN for v in values):
                return UNKNOWN
            return impl(*values)

        return call_n, result


_PY_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "%": operator.mod,
}


def _strict2(op: Callable[[Any, Any], Any], left: Fn, right: Fn) -> Fn:
    """A binary operation that is UNKNOWN when either side is."""

    def apply(env: Env) -> Any:
        a = left(env)
        if a is UNKNOWN:
            return UNKNOWN
        b = right(env)
        if b is UNKNOWN:
            return UNKNOWN
        return op(a, b)

    return apply


def _kleene(decisive: bool, left: Fn, right: Fn) -> Fn:
    """``and`` (``decisive`` False) or ``or`` (True) in three-valued logic: the decisive value
    on either side decides, else UNKNOWN on either side is UNKNOWN."""

    def apply(env: Env) -> Any:
        a = left(env)
        if a is decisive:
            return decisive
        b = right(env)
        if b is decisive:
            return decisive
        return UNKNOWN if a is UNKNOWN or b is UNKNOWN else not decisive

    return apply


# ---------------------------------------------------------------------------------------------
# human-readable rendering


_READ_OPS = {
    "==": "等于",
    "!=": "不等于",
    "<": "<",
    "<=": "≤",
    ">": ">",
    ">=": "≥",
    "in": "属于",
    "not in": "不属于",
    "and": "并且",
    "or": "或者",
}
_PRECEDENCE = {"or": 1, "and": 2, "not": 3, "cmp": 4, "+": 5, "-": 5, "*": 6, "/": 6, "%": 6}


def _render(node: _Node, labels: Mapping[str, str], outer: int = 0) -> str:
    if isinstance(node, _Literal):
        if isinstance(node.value, bool):
            return "是" if node.value else "否"
        return f"“{node.value}”" if isinstance(node.value, str) else str(node.value)
    if isinstance(node, _Name):
        return "今天" if node.name == "today" else labels.get(node.name, node.name)
    if isinstance(node, _List):
        return "［" + "、".join(_render(i, labels) for i in node.items) + "］"
    if isinstance(node, _Call):
        spec = FUNCTIONS[node.name]
        args = "，".join(_render(a, labels) for a in node.args)
        return f"{spec.label}（{args}）"
    if isinstance(node, _Unary):
        if node.op == "not":
            text = "并非 " + _render(node.operand, labels, _PRECEDENCE["not"])
            prec = _PRECEDENCE["not"]
        else:
            text = "-" + _render(node.operand, labels, 7)
            prec = 7
    else:
        assert isinstance(node, _Binary)
        prec = _PRECEDENCE.get(node.op, _PRECEDENCE["cmp"])
        op = _READ_OPS.get(node.op, node.op)
        left = _render(node.left, labels, prec)
        right = _render(node.right, labels, prec + 1)
        text = f"{left} {op} {right}"
    return f"（{text}）" if prec < outer else text


# ---------------------------------------------------------------------------------------------
# public entry points


@dataclass(frozen=True)
class Expression:
    """A compiled expression: ``evaluate(env)`` returns a value or :data:`UNKNOWN`.

    ``env`` maps every name the expression may use (declared fields, table outputs, ``today``)
    to a value or UNKNOWN; ``names`` is the set it actually reads, so a caller can say which
    missing facts kept a condition from being decided.
    """

    source: str
    type: str
    names: frozenset[str]
    evaluate: Fn
    _node: _Node

    def describe(self, labels: Mapping[str, str]) -> str:
        """The expression in words for people: field labels, 并且/或者, ≥."""
        return _render(self._node, labels)


def compile_expression(
    source: str, types: Mapping[str, str], *, want: str | None = None
) -> Expression:
    """Parse, type-check and compile ``source``; ``types`` maps each usable name to its type.

    ``want`` is the required result type (``bool`` for a condition). Raises
    :class:`ExpressionError` with the offending position.
    """
    node = _Parser(source).parse()
    compiler = _Compiler(types)
    fn, kind = compiler.compile(node)
    if want is not None and not _compatible(kind, (want,)):
        raise ExpressionError(
            f"结果应为{TYPE_LABELS[want]}，而此表达式得到{TYPE_LABELS[kind]}", node.pos
        )
    return Expression(source, kind, frozenset(compiler.names), fn, node)


@dataclass(frozen=True)
class Template:
    """Reason text with ``{expression}`` holes (``{{`` and ``}}`` are literal braces)."""

    source: str
    names: frozenset[str]
    _parts: tuple[str | Fn, ...]

    def render(self, env: Env) -> str:
        if len(self._parts) == 1 and isinstance(self._parts[0], str):
            return self._parts[0]
        out: list[str] = []
        for part in self._parts:
            if isinstance(part, str):
                out.append(part)
            else:
                try:
                    out.append(format_value(part(env)))
                except (ArithmeticError, ValueError, TypeError):
                    out.append("（无法计算）")
        return "".join(out)


def compile_template(source: str, types: Mapping[str, str]) -> Template:
    """Compile a reason template; an :class:`ExpressionError` position is in ``source``."""
    parts: list[str | Fn] = []
    names: set[str] = set()
    text: list[str] = []
    i = 0
    while i < len(source):
        ch = source[i]
        if ch in "{}" and source[i + 1 : i + 2] == ch:
            text.append(ch)
            i += 2
            continue
        if ch == "}":
            raise ExpressionError("多余的 “}”（要显示花括号请写 }}）", i)
        if ch == "{":
            end = source.find("}", i + 1)
            if end < 0:
                raise ExpressionError("“{” 缺少配对的 “}”", i)
            inner = source[i + 1 : end]
            try:
                expr = compile_expression(inner, types)
            except ExpressionError as exc:
                raise ExpressionError(exc.message, i + 1 + exc.position) from None
            if text:
                parts.append("".join(text))
                text = []
            parts.append(expr.evaluate)
            names |= expr.names
            i = end + 1
            continue
        text.append(ch)
        i += 1
    if text or not parts:
        parts.append("".join(text))
    return Template(source, frozenset(names), tuple(parts))
