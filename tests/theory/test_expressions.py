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


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("z.real(1)", "attribute access is not allowed"),
        ("(lambda: 1)()", "only named functions can be called"),
        ("pi(1)", "'pi' is not a function"),
        ("exp(x=1)", "keyword arguments are not allowed"),
        ("log(z, 2, 3)", "log() takes 1 to 2 arguments, got 3"),
        ("exp()", "exp() takes 1 argument, got 0"),
        (
            "open(z)",
            f"unknown function 'open': allowed are {', '.join(sorted(expressions.FUNCTIONS))}",
        ),
        ("_ + z", "names starting with '_' are not allowed: '_'"),
        ("u", "unknown name 'u': the variable is z; constants are pi, E"),
        ("exp", "'exp' is a function: call it as exp(...)"),
        ("~z", "operator '~' is not allowed"),
        ("not z", "operator 'not' is not allowed"),
        ("z ^ 2", "operator '^' is not allowed (use ** for powers)"),
        ("z % 2", "operator '%' is not allowed"),
        ("z // 2", "operator '//' is not allowed"),
        ("z @ z", "operator '@' is not allowed"),
        ("z & 1", "operator '&' is not allowed"),
        ("z | 1", "operator '|' is not allowed"),
        ("z << 1", "operator '<<' is not allowed"),
        ("z >> 1", "operator '>>' is not allowed"),
        ("[z]", "List expressions are not allowed"),
        ("{z}", "Set expressions are not allowed"),
        ("1/0 + z", "division by zero"),
        ("0**(-1) + z", "division by zero"),
        ("log(0) + z", "the expression is undefined or infinite (division by zero?)"),
        ("sqrt(-1) * z", "the expression is not real (it contains the imaginary unit)"),
        ("(-2)**z", "an exponent containing z needs a positive number as base"),
        ("z**101", "exponent 101 exceeds 100 in magnitude"),
        ("10000**76 + z", "a power of numbers exceeds 300 digits"),
        ("1e13 * z", "number exceeds 1e+12 in magnitude"),
        ("10000000000001 * z", "number exceeds 1e+12 in magnitude"),
        ("'9' * z", "constant str is not allowed: only real numbers"),
        ("3", "expression does not depend on z"),
        ("   ", "expression is empty"),
        ("z" + " " * 500, "expression is longer than 500 characters"),
        # 149 unary minus signs and a number: exactly 300 syntax nodes, refused for depth
        ("-" * 149 + "1", "expression nests deeper than 20 levels"),
        ("-" * 149 + "z", "expression has more than 300 syntax nodes"),
        ("exp(" * 20 + "z" + ")" * 20, "expression nests deeper than 20 levels"),
        ("z" + " + z" * 20, "expression nests deeper than 20 levels"),
        ("(z + " * 20 + "z" + ")" * 20, "expression nests deeper than 20 levels"),
        ("-" * 20 + "z", "expression nests deeper than 20 levels"),
    ],
)
def test_each_refusal_has_its_exact_message(text, message):
    with pytest.raises(ExpressionError, match=f"^{re.escape(message)}$"):
        parse(text)


def test_a_non_text_input_is_refused_by_type():
    with pytest.raises(ExpressionError, match=r"^an expression must be text, got int$"):
        parse(3)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("exp(" * 19 + "z" + ")" * 19, Z),  # 20 levels deep: at the limit
        ("z" + " + z" * 19, 20 * Z),  # the first z 20 levels deep (+ groups to the left)
        ("(z + " * 19 + "z" + ")" * 19, 20 * Z),  # the last z 20 levels deep
        ("-" * 19 + "z", -Z),
        ("z" + " " * 499, Z),  # 500 characters: at the limit
        ("1000000000000 * z", 10**12 * Z),
        ("1e12 * z", 10**12 * Z),
        ("z**100", Z**100),
        ("z**(-1)", 1 / Z),
        ("1000**100 * z", sp.Integer(10) ** 300 * Z),  # 300 digits: at the limit
        ("(1 + 2) * z", 3 * Z),
        ("-z + +z - z", -Z),
        ("z * 3 / 2 - 1", 3 * Z / 2 - 1),
        ("pi * E * z", sp.pi * sp.E * Z),
        ("0.5**z", sp.Rational(1, 2) ** Z),
        ("max(z, 0, -z)", sp.Max(Z, 0, -Z)),
        ("log(z, 10)", sp.log(Z) / sp.log(10)),
    ],
)
def test_inputs_at_the_limits_are_accepted(text, expected):
    if text.startswith("exp("):
        expected = Z
        for _ in range(19):
            expected = sp.exp(expected)
    assert parse(text) == expected
