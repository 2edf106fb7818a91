r"""A safe parser for loss expressions typed by a user: text to sympy without ``eval``.

``sympy.sympify`` and ``parse_expr`` evaluate Python code, so user text never reaches them.
Instead the text is parsed by :func:`ast.parse` in ``eval`` mode and the tree is walked by
hand. Only these nodes are accepted, and each is translated into a sympy object here:

* numbers (``int`` and ``float`` constants; floats become exact decimal rationals);
* the variable (``z`` for a margin loss, ``u`` for a comp-sum outer function) and the
  constants ``pi`` and ``E``;
* ``+ - * / **`` and unary ``+ -``;
* calls, with positional arguments only, of the functions in :data:`FUNCTIONS`.

Everything else (attribute access, subscripts, lambdas, comprehensions, keyword arguments,
other names) is refused with an :class:`ExpressionError` naming the problem. Limits bound the
work done before sympy sees anything: :data:`MAX_LENGTH` characters, :data:`MAX_NODES` syntax
nodes, :data:`MAX_DEPTH` levels of nesting, numbers up to :data:`MAX_NUMBER` in magnitude and
exponents up to :data:`MAX_EXPONENT`; a power of two numbers may not exceed
:data:`MAX_DIGITS` decimal digits.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable

import sympy as sp

from theory import comp_sum

MAX_LENGTH = 500
MAX_NODES = 300
MAX_DEPTH = 20
MAX_NUMBER = 10**12
MAX_EXPONENT = 100
MAX_DIGITS = 300

MARGIN = sp.Symbol("z", real=True)
"""The variable of a binary margin loss φ(z)."""
OUTER = comp_sum.U
"""The variable of a comp-sum outer function Φ(u), u ≥ 0 (the symbol of ``theory.comp_sum``)."""

CONSTANTS = {"pi": sp.pi, "E": sp.E}


def _sigmoid(x: sp.Expr) -> sp.Expr:
    return 1 / (1 + sp.exp(-x))


def _log(x: sp.Expr, base: sp.Expr | None = None) -> sp.Expr:
    return sp.log(x) if base is None else sp.log(x) / sp.log(base)


FUNCTIONS: dict[str, tuple[Callable[..., sp.Expr], int, int | None]] = {
    "exp": (sp.exp, 1, 1),
    "log": (_log, 1, 2),
    "sqrt": (sp.sqrt, 1, 1),
    "abs": (sp.Abs, 1, 1),
    "Abs": (sp.Abs, 1, 1),
    "max": (sp.Max, 2, None),
    "Max": (sp.Max, 2, None),
    "min": (sp.Min, 2, None),
    "Min": (sp.Min, 2, None),
    "tanh": (sp.tanh, 1, 1),
    "sigmoid": (_sigmoid, 1, 1),
}
"""name -> (sympy builder, fewest arguments, most arguments or None); ``log(x, b)`` is
log base b, ``sigmoid(x)`` is 1/(1 + exp(-x))."""

_OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_REFUSED = {
    ast.Attribute: "attribute access is not allowed",
    ast.Subscript: "indexing is not allowed",
    ast.Lambda: "lambda is not allowed",
    ast.Compare: "comparisons are not allowed",
    ast.BoolOp: "'and'/'or' are not allowed",
    ast.IfExp: "conditional expressions are not allowed",
    ast.NamedExpr: "assignment expressions are not allowed",
    ast.Starred: "starred arguments are not allowed",
}


class ExpressionError(ValueError):
    """User text that is not an accepted loss expression; the message is one line."""


def parse(text: str, variable: sp.Symbol = MARGIN) -> sp.Expr:
    """The sympy expression of ``text`` in ``variable`` (see the module docstring for the rules).

    Raises :class:`ExpressionError` for anything outside the grammar or the limits, for an
    expression that does not depend on the variable, and for one that sympy evaluates to an
    infinite, undefined or non-real constant somewhere in its tree (``1/0``, ``log(0)``,
    ``sqrt(-1)``).
    """
    if not isinstance(text, str):
        raise ExpressionError(f"an expression must be text, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression is longer than {MAX_LENGTH} characters")
    if not text.strip():
        raise ExpressionError("expression is empty")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as error:
        raise ExpressionError(f"syntax error: {error.msg}") from None
    except (ValueError, RecursionError, MemoryError) as error:
        raise ExpressionError(f"cannot parse the expression: {error}") from None
    nodes = sum(1 for _ in ast.walk(tree))
    if nodes > MAX_NODES:
        raise ExpressionError(f"expression has more than {MAX_NODES} syntax nodes")
    expr = _Builder(variable).build(tree.body, 1)
    if variable not in expr.free_symbols:
        raise ExpressionError(f"expression does not depend on {variable}")
    return expr


class _Builder:
    """Walks an ``ast`` tree, translating accepted nodes into sympy."""

    def __init__(self, variable: sp.Symbol):
        self.variable = variable

    def build(self, node: ast.AST, depth: int) -> sp.Expr:
        if depth > MAX_DEPTH:
            raise ExpressionError(f"expression nests deeper than {MAX_DEPTH} levels")
        if isinstance(node, ast.Constant):
            return _number(node.value)
        if isinstance(node, ast.Name):
            return self._name(node.id)
        if isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, ast.UAdd | ast.USub):
                raise ExpressionError(f"operator {_describe(node.op)} is not allowed")
            operand = self.build(node.operand, depth + 1)
            return _checked(-operand if isinstance(node.op, ast.USub) else operand)
        if isinstance(node, ast.BinOp):
            return self._binary(node, depth)
        if isinstance(node, ast.Call):
            return self._call(node, depth)
        for kind, message in _REFUSED.items():
            if isinstance(node, kind):
                raise ExpressionError(message)
        raise ExpressionError(f"{_describe(node)} expressions are not allowed")

    def _name(self, name: str) -> sp.Expr:
        if name.startswith("_"):
            raise ExpressionError(f"names starting with '_' are not allowed: {name!r}")
        if name == self.variable.name:
            return self.variable
        if name in CONSTANTS:
            return CONSTANTS[name]
        if name in FUNCTIONS:
            raise ExpressionError(f"{name!r} is a function: call it as {name}(...)")
        raise ExpressionError(
            f"unknown name {name!r}: the variable is {self.variable.name}; "
            f"constants are {', '.join(CONSTANTS)}"
        )

    def _binary(self, node: ast.BinOp, depth: int) -> sp.Expr:
        operator = _OPERATORS.get(type(node.op))
        if operator is None:
            hint = " (use ** for powers)" if isinstance(node.op, ast.BitXor) else ""
            raise ExpressionError(f"operator {_describe(node.op)} is not allowed{hint}")
        left = self.build(node.left, depth + 1)
        right = self.build(node.right, depth + 1)
        if operator == "+":
            return _checked(left + right)
        if operator == "-":
            return _checked(left - right)
        if operator == "*":
            return _checked(left * right)
        if operator == "/":
            if right.is_zero:
                raise ExpressionError("division by zero")
            return _checked(left / right)
        return _checked(self._power(left, right))

    def _power(self, base: sp.Expr, exponent: sp.Expr) -> sp.Expr:
        if exponent.free_symbols:
            if not (base.is_number and base.is_positive):
                raise ExpressionError(
                    f"an exponent containing {self.variable.name} needs a positive number as base"
                )
            return base**exponent
        size = abs(float(sp.N(exponent)))
        if size > MAX_EXPONENT:
            raise ExpressionError(f"exponent {size:.3g} exceeds {MAX_EXPONENT} in magnitude")
        if base.is_number and not base.is_zero:
            digits = abs(math.log10(abs(float(sp.N(base))))) * size
            if digits > MAX_DIGITS:
                raise ExpressionError(f"a power of numbers exceeds {MAX_DIGITS} digits")
        if base.is_zero and exponent.is_negative:
            raise ExpressionError("division by zero")
        return base**exponent

    def _call(self, node: ast.Call, depth: int) -> sp.Expr:
        if not isinstance(node.func, ast.Name):
            if isinstance(node.func, ast.Attribute):
                raise ExpressionError("attribute access is not allowed")
            raise ExpressionError("only named functions can be called")
        name = node.func.id
        if name not in FUNCTIONS:
            if name == self.variable.name or name in CONSTANTS:
                raise ExpressionError(f"{name!r} is not a function")
            raise ExpressionError(
                f"unknown function {name!r}: allowed are {', '.join(sorted(FUNCTIONS))}"
            )
        if node.keywords:
            raise ExpressionError("keyword arguments are not allowed")
        builder, fewest, most = FUNCTIONS[name]
        count = len(node.args)
        if count < fewest or (most is not None and count > most):
            wanted = {None: f"{fewest} or more arguments", 1: "1 argument"}.get(
                most, f"{fewest} to {most} arguments"
            )
            raise ExpressionError(f"{name}() takes {wanted}, got {count}")
        args = [self.build(arg, depth + 1) for arg in node.args]
        return _checked(builder(*args))


def _number(value: object) -> sp.Expr:
    if type(value) is int:
        if abs(value) > MAX_NUMBER:
            raise ExpressionError(f"number exceeds {MAX_NUMBER:.0e} in magnitude")
        return sp.Integer(value)
    if type(value) is float:
        if not math.isfinite(value) or abs(value) > MAX_NUMBER:
            raise ExpressionError(f"number exceeds {MAX_NUMBER:.0e} in magnitude")
        return sp.Rational(repr(value))
    raise ExpressionError(f"constant {type(value).__name__} is not allowed: only real numbers")


def _checked(expr: sp.Expr) -> sp.Expr:
    """Refuse a (sub)expression that sympy has already made infinite, undefined or complex."""
    if expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise ExpressionError("the expression is undefined or infinite (division by zero?)")
    if expr.has(sp.I) or (expr.is_number and expr.is_real is False):
        raise ExpressionError("the expression is not real (it contains the imaginary unit)")
    return expr


def _describe(node: ast.AST) -> str:
    names = {
        ast.BitXor: "'^'",
        ast.Mod: "'%'",
        ast.FloorDiv: "'//'",
        ast.MatMult: "'@'",
        ast.BitAnd: "'&'",
        ast.BitOr: "'|'",
        ast.LShift: "'<<'",
        ast.RShift: "'>>'",
        ast.Invert: "'~'",
        ast.Not: "'not'",
    }
    return names.get(type(node), type(node).__name__)
