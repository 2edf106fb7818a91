import builtins
import re
from contextlib import contextmanager
from unittest import mock

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from theory import expressions
from theory.expressions import MARGIN, OUTER, ExpressionError, parse

Z = MARGIN


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("log(1 + exp(-z))", sp.log(1 + sp.exp(-Z))),
        ("Max(0, 1 - z)**2", sp.Max(0, 1 - Z) ** 2),
        ("max(0, -z)", sp.Max(0, -Z)),
        ("min(1, max(0, 1 - z/0.5))", sp.Min(1, sp.Max(0, 1 - 2 * Z))),
        ("sigmoid(-z)", 1 / (1 + sp.exp(Z))),
        ("1 - tanh(2*z)", 1 - sp.tanh(2 * Z)),
        ("abs(z) + sqrt(1 + z**2)", sp.Abs(Z) + sp.sqrt(1 + Z**2)),
        ("log(1 + exp(-z), 2)", sp.log(1 + sp.exp(-Z)) / sp.log(2)),
        ("2**(-z) * pi / E", 2 ** (-Z) * sp.pi / sp.E),
        ("0.25 * z", Z / 4),
    ],
)
def test_accepted_expressions_become_sympy(text, expected):
    assert parse(text) == expected


def test_the_comp_sum_variable_is_u():
    assert parse("log(1 + u)", OUTER) == sp.log(1 + OUTER)
    with pytest.raises(ExpressionError, match="unknown name 'z'"):
        parse("z", OUTER)


BAD = [
    ("__import__('os').system('x')", "attribute access is not allowed"),
    ("().__class__", "attribute access is not allowed"),
    ("z.real", "attribute access is not allowed"),
    ("lambda: 0", "lambda is not allowed"),
    ("open('f')", "unknown function 'open'"),
    ("__import__('os')", "unknown function '__import__'"),
    ("eval('1')", "unknown function 'eval'"),
    ("exp(x=1)", "keyword arguments are not allowed"),
    ("'9' * 3", "constant str is not allowed"),
    ("9" * 10000, "longer than 500 characters"),
    ("(" * 240 + "z" + ")" * 240, "too many nested parentheses"),
    ("exp(" * 21 + "z" + ")" * 21, "nests deeper than 20 levels"),
    ("z**10**10", "exponent 1e+10 exceeds 100"),
    ("(2**100)**100 * z", "exceeds 300 digits"),
    ("1e400 * z", "number exceeds"),
    ("z^2", "use ** for powers"),
    ("z[0]", "indexing is not allowed"),
    ("[z]", "List expressions are not allowed"),
    ("z if z else 1", "conditional expressions"),
    ("z < 1", "comparisons are not allowed"),
    ("1/0 + z", "division by zero"),
    ("log(0) + z", "undefined or infinite"),
    ("sqrt(-1) * z", "not real"),
    ("z**z", "positive number as base"),
    ("k * z", "unknown name 'k'"),
    ("exp", "is a function"),
    ("z(1)", "'z' is not a function"),
    ("max(z)", "takes 2 or more arguments"),
    ("3", "does not depend on z"),
    ("", "empty"),
    ("z +", "syntax error"),
    ("1j * z", "constant complex"),
    ("\x00", "syntax error"),
    ("-" * 400 + "z", "more than 300 syntax nodes"),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_refused_input_names_the_problem_in_one_line(text, message):
    with pytest.raises(ExpressionError, match=re.escape(message)) as caught:
        parse(text)
    assert "\n" not in str(caught.value)


@contextmanager
def nothing_evaluated():
    """Fail if anything reaches Python's eval/exec or sympy's string parser meanwhile."""

    def refuse(*args, **kwargs):
        raise AssertionError("user text reached an evaluator")

    with (
        mock.patch.object(builtins, "eval", refuse),
        mock.patch.object(builtins, "exec", refuse),
        mock.patch("sympy.parsing.sympy_parser.parse_expr", refuse),
        mock.patch("sympy.core.sympify.parse_expr", refuse, create=True),
    ):
        yield


def test_nothing_is_evaluated(tmp_path):
    target = tmp_path / "pwned"
    for text in (
        f"__import__('os').system('touch {target}')",
        f"open('{target}', 'w')",
        "[c for c in ().__class__.__base__.__subclasses__()]",
        "(lambda: __import__('os'))()",
    ):
        with nothing_evaluated(), pytest.raises(ExpressionError):
            parse(text)
    with nothing_evaluated():
        assert parse("log(1 + exp(-z))") == sp.log(1 + sp.exp(-Z))
    assert not target.exists()


def _check(text: str) -> None:
    message = ""
    try:
        with nothing_evaluated():
            expr = parse(text)
    except ExpressionError as error:
        message = str(error)
    if message:
        assert "\n" not in message
        return
    assert isinstance(expr, sp.Expr)
    assert expr.free_symbols == {Z}


@given(st.text(max_size=80))
def test_random_text_parses_or_raises_expression_error(text):
    _check(text)


ATOMS = ["z", "u", "1", "0", "2.5", "1e300", "pi", "E", "x", "_", "__class__", "''", "()"]
FUNCTIONS = [*expressions.FUNCTIONS, "open", "eval", "__import__", "getattr", "z"]
BINARY = ["+", "-", "*", "/", "**", "^", "%", "//", "<", "and", "@"]


def _trees():
    leaves = st.sampled_from(ATOMS)

    def extend(children):
        calls = st.tuples(
            st.sampled_from(FUNCTIONS), st.lists(children, min_size=0, max_size=3)
        ).map(lambda c: f"{c[0]}({', '.join(c[1])})")
        binaries = st.tuples(children, st.sampled_from(BINARY), children).map(
            lambda b: f"({b[0]} {b[1]} {b[2]})"
        )
        unary = st.tuples(st.sampled_from(["-", "+", "~", "not "]), children).map("".join)
        suffix = st.tuples(children, st.sampled_from([".real", "[0]", ".__class__", ""])).map(
            "".join
        )
        return calls | binaries | unary | suffix

    return st.recursive(leaves, extend, max_leaves=30)


@given(_trees())
def test_random_syntax_trees_parse_or_raise_expression_error(text):
    _check(text)
