"""Three-valued proofs with a ladder of rungs.

sympy answers a sign or identity question with True, False or None, and a solver may return a
``ConditionSet``. None is *unproven*, never True. Each function here climbs a ladder and
reports which rung decided:

1. ``proved symbolically``: sympy's assumption system or ``solveset`` settles it exactly;
2. ``certified numerically``: rigorous interval arithmetic (``mpmath.iv``, outward rounding)
   bounds the expression on every box of an adaptive subdivision of ``[a, b]``;
3. ``refuted``: a counterexample, confirmed at 50 significant digits;
4. ``inconclusive``: none of the above, with what is known (the undecided sub-intervals).
"""

from __future__ import annotations

import enum
import gc
import itertools
import math
import signal
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

import mpmath
import sympy as sp
from mpmath import iv

SYMBOLIC_SECONDS = 2.0
"""CPU seconds allowed to each sympy rung before it counts as unproven (main thread only). CPU
time, not wall-clock time, so that a busy machine gives the same rungs and verdicts as a quiet
one; rungs that run out fall through to the next one."""
DERIVATION_SECONDS = 20.0
"""CPU seconds allowed to a sympy step of a derivation (solve, limit) before it is given up."""
CERTIFICATE_SECONDS = 5.0
"""CPU seconds allowed to the interval-arithmetic rung of one statement."""
DERIVATIVE_DEPTH = 4
"""How many derivatives deep the monotone rungs may go (a zero of order 4 at an endpoint)."""
MAX_OPS = 600
"""Derivatives larger than this (sympy ``count_ops``) are not used by the monotone rungs."""
DIGITS = 50
"""Significant digits of the mpmath evaluations that confirm a counterexample."""


class Status(enum.StrEnum):
    """The rung that decided a statement."""

    PROVED = "proved symbolically"
    CERTIFIED = "certified numerically"
    REFUTED = "refuted"
    INCONCLUSIVE = "inconclusive"


@dataclass(frozen=True)
class Proof:
    """The outcome of one statement: its status, the rung that decided and the details."""

    statement: str
    status: Status
    rung: str
    detail: str = ""

    @property
    def holds(self) -> bool | None:
        """True when proved or certified, False when refuted, None when inconclusive."""
        if self.status in (Status.PROVED, Status.CERTIFIED):
            return True
        return False if self.status is Status.REFUTED else None

    def as_dict(self) -> dict[str, str]:
        return {
            "statement": self.statement,
            "status": str(self.status),
            "rung": self.rung,
            "detail": self.detail,
        }

    def __str__(self) -> str:
        tail = f"; {self.detail}" if self.detail else ""
        return f"{self.statement}: {self.status} ({self.rung}{tail})"


class _Timeout(BaseException):
    """A rung used up its CPU budget. A BaseException, so that sympy's own ``except Exception``
    fallbacks cannot swallow it and carry on with a partial result."""


class OutOfTime(BaseException):
    """The overall :func:`deadline` passed. A BaseException, so that neither :func:`time_limited`
    nor sympy's own ``except Exception`` fallbacks swallow it."""


@dataclass(frozen=True)
class _Clock:
    """An interval timer, the signal it sends and the clock it counts."""

    timer: int
    signal: int
    now: Callable[[], float]


WALL_CLOCK = _Clock(signal.ITIMER_REAL, signal.SIGALRM, time.monotonic)
"""Elapsed real time: the user's cap on a whole analysis (:func:`deadline`)."""
CPU_CLOCK = _Clock(signal.ITIMER_PROF, signal.SIGPROF, time.process_time)
"""CPU time of this process (user + system), which another process's load does not advance: the
budgets of the rungs, so that a verdict does not depend on how busy the machine is."""


@contextmanager
def deadline(seconds: float):
    """Raise :class:`OutOfTime` once ``seconds`` of wall-clock time have passed inside the block
    (main thread only; no limit elsewhere). This is the user's cap (``analyze --time-limit``); it
    is independent of the rungs' CPU budgets, which keep counting inside it."""
    if not (0 < seconds < math.inf):
        raise ValueError(f"a deadline must be a positive number of seconds, got {seconds}")
    with _alarm(WALL_CLOCK, seconds, OutOfTime, pause_gc=False):
        yield


@contextmanager
def _alarm(clock: _Clock, seconds: float, error: type[BaseException], pause_gc: bool = True):
    """Raise ``error`` in the main thread after ``seconds`` (at least 1 ms) on ``clock``.

    The alarm re-fires every 50 ms after it expires, so an interrupt swallowed where Python
    cannot raise (a ``__del__``, a bare ``except``) is repeated, and a block that still returns
    after its alarm fired raises ``error`` on exit: whatever it computed after an interrupt it
    swallowed may be partial, and would depend on where the interrupt landed. ``pause_gc``
    pauses garbage collection meanwhile so that none lands in a gc callback (the per-rung
    limits, which last seconds; the overall deadline leaves it running). On exit the enclosing
    alarm of the same clock, if any, is re-armed with what it had left.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    fired = False

    def _raise(signum, frame):
        nonlocal fired
        fired = True
        raise error

    start = clock.now()
    previous = signal.signal(clock.signal, _raise)
    enclosing, _ = signal.setitimer(clock.timer, max(seconds, 1e-3), 0.05)
    collecting = gc.isenabled() and pause_gc
    if collecting:
        gc.disable()
    try:
        yield
        if fired:
            raise error
    finally:
        signal.setitimer(clock.timer, 0)
        signal.signal(clock.signal, previous)
        if enclosing > 0:
            left = max(enclosing - (clock.now() - start), 1e-3)
            signal.setitimer(clock.timer, left, 0.05)
        if collecting:
            gc.enable()


def time_limited(fn: Callable[[], object], seconds: float | None = None) -> object | None:
    """Run a sympy computation; None if it raises or uses more than ``seconds`` of CPU time
    (default ``SYMBOLIC_SECONDS``)."""
    try:
        with _alarm(CPU_CLOCK, SYMBOLIC_SECONDS if seconds is None else seconds, _Timeout):
            return fn()
    except (_Timeout, NotImplementedError, TypeError, ValueError, RecursionError):
        return None


def _interval_extension(fn: Callable) -> Callable:
    """Interval version of an increasing function: endpoint values, widened outwards.

    The endpoint values are computed with 20 guard bits; widening by a relative 2**(4 - prec)
    covers mpmath's last-bit error (an exact 0, as tanh(0), stays exact).
    """

    def extended(x):
        x = iv.mpf(x)
        with mpmath.workprec(iv.prec + 20):
            low, high = fn(mpmath.mpf(x.a.a)), fn(mpmath.mpf(x.b.b))
        widen = mpmath.ldexp(1, -iv.prec + 4)
        return iv.mpf([low - abs(low) * widen, high + abs(high) * widen])

    return extended


def _interval_max(*args):
    boxes = [iv.mpf(a) for a in args]
    return iv.mpf([max(b.a for b in boxes), max(b.b for b in boxes)])


def _interval_min(*args):
    boxes = [iv.mpf(a) for a in args]
    return iv.mpf([min(b.a for b in boxes), min(b.b for b in boxes)])


def _interval_abs(x):
    x = iv.mpf(x)
    if x.a >= 0:
        return x
    if x.b <= 0:
        return -x
    return iv.mpf([0, max(-x.a, x.b)])


INTERVAL_NAMESPACE = {name: getattr(iv, name) for name in dir(iv) if not name.startswith("_")}
INTERVAL_NAMESPACE |= {
    "tanh": _interval_extension(mpmath.tanh),
    "atanh": _interval_extension(mpmath.atanh),
    "atan": _interval_extension(mpmath.atan),
    "asinh": _interval_extension(mpmath.asinh),
    "erf": _interval_extension(mpmath.erf),
    "Max": _interval_max,
    "Min": _interval_min,
    "Abs": _interval_abs,
    "amax": _interval_max,
    "amin": _interval_min,
}


def _interval_function(expr: sp.Expr, var: sp.Symbol) -> Callable | None:
    try:
        return sp.lambdify(var, expr, modules=[INTERVAL_NAMESPACE, "mpmath"])
    except (NameError, TypeError, KeyError, SyntaxError):
        return None


def _point_value(expr: sp.Expr, var: sp.Symbol, x) -> mpmath.mpf | None:
    """The value of ``expr`` at ``x`` to ``DIGITS`` digits (None if not a finite real)."""
    value = time_limited(lambda: sp.N(expr.subs(var, sp.nsimplify(x)), DIGITS))
    if value is None or not value.is_real or not value.is_finite:
        return None
    return mpmath.mpf(str(value))


def prove_nonnegative(
    expr: sp.Expr,
    var: sp.Symbol,
    domain: tuple[float, float],
    *,
    strict: bool = False,
    statement: str | None = None,
    max_boxes: int = 4096,
) -> Proof:
    """Decide ``expr >= 0`` (or ``> 0`` with ``strict``) for ``var`` in ``[a, b]``.

    Rungs: (1) sympy assumptions after substituting ``var = a + (b-a) y/(1+y)`` with ``y > 0``
    (as is, factored, simplified);
    (2) ``solveset(expr < 0)`` on the interval is empty; (3) interval arithmetic on an adaptive
    subdivision of ``[a, b]`` (a box is cleared when its rigorous enclosure is ``>= 0``);
    (4) a counterexample found on a grid and confirmed at 50 digits; otherwise inconclusive.
    """
    branches = piecewise_branches(expr, var, (float(domain[0]), float(domain[1])))
    if branches is not None:
        parts = [
            prove_nonnegative(formula, var, span, strict=strict, max_boxes=max_boxes)
            for formula, span in branches
        ]
        where = "(" if strict else "["
        statement = statement or (
            f"{expr} {'>' if strict else '>='} 0 for {var} in {where}{domain[0]}, {domain[1]}]"
        )
        status = max((q.status for q in parts), key=_STRENGTH.__getitem__)
        detail = " | ".join(f"{q.statement.split(' for ')[-1]}: {q.status}" for q in parts)
        return Proof(statement, status, f"branch by branch ({len(parts)} branches)", detail)
    a, b = (_exact_end(end) for end in domain)
    where = (
        f"({float(a):.12g}, {float(b):.12g}]" if strict else f"[{float(a):.12g}, {float(b):.12g}]"
    )
    statement = statement or f"{expr} {'>' if strict else '>='} 0 for {var} in {where}"
    inside = expr.subs(var, _interior(a, b))
    for rewrite in (lambda e: e, lambda e: sp.factor(sp.together(e)), sp.simplify):
        form = time_limited(lambda r=rewrite: r(inside))
        sign = None if form is None else (form.is_positive if strict else form.is_nonnegative)
        if sign is True:
            return Proof(statement, Status.PROVED, "sympy assumptions on the interior")
    region = sp.Interval.Lopen(a, b) if strict else sp.Interval(a, b)
    bad = time_limited(lambda: sp.solveset(expr <= 0 if strict else expr < 0, var, region))
    if bad is sp.S.EmptySet:
        return Proof(statement, Status.PROVED, "solveset: no point of the interval violates it")
    if isinstance(bad, sp.Set) and not isinstance(bad, sp.ConditionSet) and bad.is_empty is False:
        witness = _some_point(bad)
        value = None if witness is None else _point_value(expr, var, witness)
        if value is not None and (value < 0 or (strict and value <= 0)):
            return Proof(
                statement,
                Status.REFUTED,
                "solveset counterexample",
                f"value {mpmath.nstr(value, 8)} at {var} = {witness}",
            )
    return _interval_certificate(expr, var, (float(a), float(b)), strict, statement, max_boxes)


def _exact_end(end) -> sp.Expr:
    if isinstance(end, float):
        return sp.oo if end == math.inf else -sp.oo if end == -math.inf else sp.Rational(end)
    return sp.sympify(end)


def _interior(a: sp.Expr, b: sp.Expr) -> sp.Expr:
    """A parametrisation of the open interval (a, b) by y > 0 (a real w when both are infinite),
    so that sympy's assumptions see the signs the interval implies."""
    y = sp.Symbol("y_positive", positive=True)
    if a.is_finite and b.is_finite:
        return a + (b - a) * y / (1 + y)
    if a.is_finite:
        return a + y
    if b.is_finite:
        return b - y
    return sp.Symbol("w_real", real=True)


FAR = 1e8
"""Boxes of an unbounded domain are split until their finite end passes this magnitude."""


def _split(lo: float, hi: float) -> float:
    """Where to cut a box; infinite boxes are cut at growing distances from their finite end."""
    if math.isinf(lo) and math.isinf(hi):
        return 0.0
    if math.isinf(lo):
        return hi - max(1.0, 2 * abs(hi))
    if math.isinf(hi):
        return lo + max(1.0, 2 * abs(lo))
    return (lo + hi) / 2


def _window(lo: float, hi: float) -> tuple[float, float]:
    """A finite part of a domain for grids: [lo, hi] clipped to [-50, 50] around its ends."""
    left = lo if math.isfinite(lo) else (min(-50.0, hi - 50.0) if math.isfinite(hi) else -50.0)
    right = hi if math.isfinite(hi) else (max(50.0, lo + 50.0) if math.isfinite(lo) else 50.0)
    return left, right


_STRENGTH = {Status.PROVED: 0, Status.CERTIFIED: 1, Status.INCONCLUSIVE: 2, Status.REFUTED: 3}


def weakest(proofs) -> Status:
    """The status of a conjunction: refuted beats inconclusive beats certified beats proved."""
    return max((p.status for p in proofs), key=_STRENGTH.__getitem__, default=Status.PROVED)


def piecewise_branches(
    expr: sp.Expr, var: sp.Symbol, domain: tuple[float, float]
) -> list[tuple[sp.Expr, tuple[float, float]]] | None:
    """Split a piecewise expression of ``var`` on ``domain`` into (formula, [lo, hi]) pieces.

    Max, Min, Abs and Heaviside are rewritten as Piecewise first. The domain is cut at every
    root of every condition (solved exactly when sympy can, else located by a sign change on a
    grid and refined to 30 digits); on each piece the formula is the one whose condition holds
    at its midpoint. None when ``expr`` has no piecewise structure.
    """
    if not expr.has(sp.Piecewise, sp.Max, sp.Min, sp.Abs, sp.Heaviside):
        return None
    folded = sp.piecewise_fold(expr.rewrite(sp.Piecewise))
    if not isinstance(folded, sp.Piecewise):
        return None
    lo, hi = domain
    cuts: set[float] = set()
    for relation in folded.atoms(sp.Rel):
        if var not in relation.free_symbols:
            continue
        cuts.update(_roots(relation.lhs - relation.rhs, var, lo, hi))
    ends = [lo, *sorted(c for c in cuts if lo < c < hi), hi]
    pieces: list[tuple[sp.Expr, tuple[float, float]]] = []
    for start, end in itertools.pairwise(ends):
        inside = _split(start, end) if start < end else start
        inside = min(max(inside, start), end) if math.isfinite(start + end) else inside
        middle = sp.Rational(inside)
        formula = next((e for e, c in folded.args if bool(c.subs(var, middle))), None)
        if formula is None:
            return None
        if pieces and pieces[-1][0] == formula:
            pieces[-1] = (formula, (pieces[-1][1][0], end))
        else:
            pieces.append((formula, (start, end)))
    return pieces


def _roots(gap: sp.Expr, var: sp.Symbol, lo: float, hi: float) -> list[float]:
    """Real roots of ``gap`` in (lo, hi): exact when solveset returns them, else numeric
    (sign changes on a grid of the finite window of the domain, see ``_window``)."""
    exact = time_limited(
        lambda: sp.solveset(gap, var, sp.Interval.open(_exact_end(lo), _exact_end(hi)))
    )
    if isinstance(exact, sp.FiniteSet):
        return [float(sp.N(root, 30)) for root in exact if sp.N(root).is_real]
    fn = sp.lambdify(var, gap, modules="mpmath")
    left, right = _window(lo, hi)
    grid = [left + (right - left) * k / 2000 for k in range(2001)]
    found = []
    with mpmath.workdps(30):
        values = []
        for x in grid:
            try:
                values.append(float(fn(mpmath.mpf(x))))
            except (ZeroDivisionError, ValueError, TypeError, ArithmeticError):
                values.append(math.nan)
        for x0, x1, v0, v1 in zip(grid, grid[1:], values, values[1:]):
            if v0 == 0:
                found.append(x0)
            elif math.isfinite(v0) and math.isfinite(v1) and v0 * v1 < 0:
                found.append(float(mpmath.findroot(fn, (x0, x1), solver="anderson")))
    return found


def _some_point(region: sp.Set):
    if isinstance(region, sp.FiniteSet):
        return next(iter(region))
    if isinstance(region, sp.Interval):
        return (region.start + region.end) / 2
    if isinstance(region, sp.Union):
        return _some_point(region.args[0])
    return None


@contextmanager
def interval_precision(bits: int):
    """Run a block with ``mpmath.iv`` at ``bits`` of working precision, then restore it.

    Outward rounding keeps every enclosure rigorous at any precision; the precision only
    decides how tight the enclosures are. The setting is global in mpmath, hence the restore.
    """
    previous, iv.prec = iv.prec, bits
    try:
        yield
    finally:
        iv.prec = previous


def _interval_certificate(expr, var, domain, strict, statement, max_boxes) -> Proof:
    """Rung 3: cover ``domain`` with boxes on which the sign is rigorously established.

    A box ``[lo, hi]`` is cleared when the interval enclosure of ``expr`` is ``>= 0`` (``> 0``
    if strict), or when ``expr(lo) >= 0`` and ``expr' >= 0`` on the box (and so on, up to three
    derivatives deep), or the mirror image with ``expr(hi) >= 0`` and ``expr' <= 0``. The
    monotone rungs are what certify expressions that touch 0 at an endpoint. Derivatives are
    built only when needed and only while they stay below ``MAX_OPS`` operations; the whole
    rung stops after ``CERTIFICATE_SECONDS`` of CPU time.
    """
    functions = _Derivatives(expr, var)
    window = _window(*domain)
    width = window[1] - window[0]
    boxes = [domain]
    undecided: list[tuple[float, float]] = []
    cleared = 0
    give_up_at = CPU_CLOCK.now() + CERTIFICATE_SECONDS
    if functions.get(0) is not None:
        with interval_precision(120):
            while boxes and cleared + len(boxes) + len(undecided) <= max_boxes:
                if CPU_CLOCK.now() > give_up_at:
                    break
                lo, hi = boxes.pop()
                finite = math.isfinite(lo) and math.isfinite(hi)
                if _clears(functions, 0, 1, lo, hi, strict):
                    cleared += 1
                elif (finite and hi - lo > width * 1e-15) or (
                    not finite and abs(hi if math.isinf(lo) else lo) < FAR
                ):
                    mid = _split(lo, hi)
                    boxes += [(lo, mid), (mid, hi)]
                else:
                    undecided.append((lo, hi))
        undecided += boxes
    if functions.get(0) is not None and not undecided:
        return Proof(
            statement,
            Status.CERTIFIED,
            f"interval arithmetic on [{domain[0]:.12g}, {domain[1]:.12g}]",
            f"{cleared} boxes, 120-bit outward rounding",
        )
    point = _point_function(expr, var)
    grid = [window[0] + width * k / 400 for k in range(401)]
    grid += [x for x in (-1e6, -1e3, -1e2, 1e2, 1e3, 1e6) if domain[0] <= x <= domain[1]]
    for lo, hi in undecided[:200]:
        grid += [x for x in (lo, _split(lo, hi), hi) if math.isfinite(x)]
    for x in grid:
        value = point(x)
        if value is not None and (value < 0 or (strict and value == 0 and x != domain[0])):
            return Proof(
                statement,
                Status.REFUTED,
                "counterexample on a grid",
                f"value {mpmath.nstr(value, 8)} at {var} = {x:.17g} ({DIGITS} digits)",
            )
    if functions.get(0) is None:
        reason = "no interval extension for this expression"
    else:
        spans = ", ".join(f"[{lo:.3g}, {hi:.3g}]" for lo, hi in _merge(undecided)[:5])
        reason = f"{cleared} boxes cleared; undecided near {spans}"
    return Proof(statement, Status.INCONCLUSIVE, "no rung decided", f"{reason}; no counterexample")


class _Derivatives:
    """Interval functions of ``expr`` and its derivatives, built on first use (size-capped)."""

    def __init__(self, expr: sp.Expr, var: sp.Symbol):
        self._exprs = [expr]
        self._functions: dict[int, Callable | None] = {}
        self._exact: dict[tuple[int, float, int], bool] = {}
        self._var = var

    def __len__(self) -> int:
        return DERIVATIVE_DEPTH + 1

    def nonnegative_at(self, order: int, x: float, sign: int) -> bool:
        """``sign * d^order expr(x) >= 0``: by a point enclosure, else exactly (x is a float,
        hence rational; values such as 0 that intervals blur are settled by sympy)."""
        if not math.isfinite(x):
            return False
        fn = self.get(order)
        low = None if fn is None else _lower(fn, x, x, sign)
        if low is not None and low >= 0:
            return True
        high = None if fn is None else _lower(fn, x, x, -sign)
        if high is not None and high > 0:
            return False
        key = (order, x, sign)
        if key not in self._exact:
            expr = self._exprs[order] if order < len(self._exprs) else None
            value = (
                None
                if expr is None
                else time_limited(lambda: sp.simplify(sign * expr.subs(self._var, sp.Rational(x))))
            )
            self._exact[key] = value is not None and value.is_nonnegative is True
        return self._exact[key]

    def get(self, order: int) -> Callable | None:
        if order not in self._functions:
            while len(self._exprs) <= order:
                last = self._exprs[-1]
                small = last is not None and sp.count_ops(last) <= MAX_OPS
                self._exprs.append(
                    time_limited(lambda e=last: sp.diff(e, self._var)) if small else None
                )
            expr = self._exprs[order]
            too_big = expr is None or sp.count_ops(expr) > MAX_OPS
            too_big = too_big or expr.has(sp.DiracDelta, sp.Heaviside, sp.Piecewise)
            self._functions[order] = None if too_big else _interval_function(expr, self._var)
        return self._functions[order]


def _point_function(expr: sp.Expr, var: sp.Symbol) -> Callable:
    """x -> expr(x) at ``DIGITS`` digits (None where not a finite real)."""
    try:
        fn = sp.lambdify(var, expr, modules="mpmath")
    except (NameError, TypeError, KeyError, SyntaxError):
        return lambda x: _point_value(expr, var, x)

    def value(x):
        try:
            with mpmath.workdps(DIGITS):
                result = fn(mpmath.mpf(x))
        except (ZeroDivisionError, ValueError, TypeError, ArithmeticError):
            return None
        if isinstance(result, mpmath.mpc) or not mpmath.isfinite(result):
            return None
        return mpmath.mpf(result)

    return value


def _lower(fn, lo, hi, sign: int):
    """Rigorous lower bound of ``sign * fn`` on ``[lo, hi]`` (None where undefined)."""
    try:
        enclosure = iv.mpf(fn(iv.mpf([lo, hi])))
    except Exception:  # noqa: BLE001 - an undefined enclosure just means "not cleared"
        return None
    bound = enclosure.a if sign > 0 else -enclosure.b
    return None if mpmath.isnan(bound) else bound


def _clears(fns, order: int, sign: int, lo: float, hi: float, strict: bool) -> bool:
    """Whether ``sign * fns[order]`` is ``>= 0`` (``> 0`` if strict) on ``[lo, hi]``."""
    fn = fns.get(order)
    if fn is None:
        return False
    low = _lower(fn, lo, hi, sign)
    if low is not None and (low > 0 or (low >= 0 and not strict)):
        return True
    if order + 1 >= len(fns):
        return False
    # g = sign * f^(order): g(lo) >= 0 and g' = sign * f^(order+1) >= 0, or the mirror image
    # g(hi) >= 0 and g' <= 0, i.e. -sign * f^(order+1) >= 0
    if fns.nonnegative_at(order, lo, sign) and _clears(fns, order + 1, sign, lo, hi, strict):
        return True
    return (
        not strict
        and fns.nonnegative_at(order, hi, sign)
        and _clears(fns, order + 1, -sign, lo, hi, False)
    )


def _merge(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[tuple[float, float]] = []
    for lo, hi in sorted(spans):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return merged


def prove_identity(
    lhs: sp.Expr,
    rhs: sp.Expr,
    *,
    statement: str | None = None,
    domains: dict[sp.Symbol, tuple[float, float]] | None = None,
) -> Proof:
    """Decide ``lhs == rhs`` identically on ``domains`` (symbol -> (lo, hi); default all reals).

    Each symbol with a domain is first replaced by ``lo + (hi - lo) y/(1 + y)`` with ``y > 0``
    (``lo + y`` when hi is infinite), so that sympy may use the signs the domain implies.
    Proved when targeted simplification reduces the difference to 0. Otherwise the difference is
    evaluated at 7 points of the domains at 50 digits: a nonzero value refutes; agreement alone
    is only *inconclusive* (points do not prove an identity).
    """
    statement = statement or f"{lhs} == {rhs}"
    domains = domains or {}
    difference = sp.sympify(lhs - rhs)
    inside = difference
    for k, (symbol, (lo, hi)) in enumerate(domains.items()):
        y = sp.Symbol(f"y{k}_positive", positive=True)
        lo_, hi_ = sp.nsimplify(lo), sp.nsimplify(hi)
        inside = inside.subs(symbol, lo_ + y if hi_ is sp.oo else lo_ + (hi_ - lo_) * y / (1 + y))
    simplifiers = (
        sp.cancel,
        sp.simplify,
        lambda e: sp.simplify(factor_power_bases(e)),
        lambda e: sp.simplify(sp.expand_log(e)),
    )
    for simplifier in simplifiers:
        reduced = time_limited(lambda s=simplifier: s(inside))
        if reduced is not None and reduced == 0:
            return Proof(statement, Status.PROVED, "the difference simplifies to 0")
    free = sorted(difference.free_symbols, key=str)
    worst = mpmath.mpf(0)
    for k in range(7):
        point = {}
        for index, s in enumerate(free):
            lo, hi = domains.get(s, (0.1, 0.9))
            lo, hi = float(lo), min(float(hi), float(lo) + 10.0)
            point[s] = sp.nsimplify(_sample((lo, hi), k, index))
        value = time_limited(lambda p=point: sp.N(difference.subs(p), DIGITS))
        if value is None or not value.is_number:
            continue
        magnitude = abs(complex(value))
        if magnitude > 1e-30:
            return Proof(
                statement,
                Status.REFUTED,
                "nonzero difference at a sample point",
                f"|difference| = {magnitude:.3g} at {point}",
            )
        worst = max(worst, mpmath.mpf(magnitude))
    return Proof(
        statement,
        Status.INCONCLUSIVE,
        "not simplified to 0",
        f"difference below {float(worst):.1e} at 7 sample points ({DIGITS} digits)",
    )


def _lhopital(expr: sp.Expr, var: sp.Symbol, point: sp.Expr) -> sp.Expr | None:
    """f'(p)/g'(p) for expr = f/g with f(p) = g(p) = 0 and g'(p) != 0, else None.

    With f, g differentiable at p this is the limit: f/g = (f(x) - f(p))/(g(x) - g(p)).
    """
    numerator, denominator = sp.fraction(sp.factor_terms(expr))
    at = {var: point}

    def vanishes(e):
        return time_limited(lambda: sp.simplify(e.subs(at))) == 0

    if not (vanishes(numerator) and vanishes(denominator)):
        return None
    slope = time_limited(lambda: sp.simplify(sp.diff(denominator, var).subs(at)))
    if slope is None or slope == 0 or not slope.is_number or slope.has(sp.nan, sp.zoo):
        return None
    top = time_limited(lambda: sp.diff(numerator, var).subs(at))
    return None if top is None else top / slope


def factor_power_bases(expr: sp.Expr) -> sp.Expr:
    """Factor the base of every fractional power, so ((1+y)**2)**(1/3) becomes (1+y)**(2/3).

    sympy then denests the powers whose bases it knows to be positive (exact, no ``force``).
    """
    return expr.replace(
        lambda e: e.is_Pow and not e.exp.is_Integer, lambda e: sp.factor(e.base) ** e.exp
    )


def _sample(span: tuple[float, float], k: int, index: int = 0) -> float:
    """k-th point of a low-discrepancy sequence in ``span``; symbols get different ``index`` so
    that sample points avoid the diagonal (a false identity may hold where symbols coincide)."""
    golden, silver = 0.6180339887498949, 0.4142135623730951
    return span[0] + (span[1] - span[0]) * ((0.31 + k * golden + index * silver) % 1.0)


def prove_limit(
    expr: sp.Expr,
    var: sp.Symbol,
    point,
    expected: sp.Expr,
    *,
    direction: str = "+-",
    statement: str | None = None,
) -> Proof:
    """Decide ``lim_{var -> point} expr == expected`` with sympy's ``limit``.

    If sympy cannot evaluate the limit, L'Hopital is tried for 0/0 forms; failing that, the
    expression is evaluated at 50 digits at distances 1e-5 ... 1e-20 from the point (finite
    points only; the other symbols set to distinct values: 3, 4, ... if integer, else
    7/10, 7/10 + 1/13, ...): a clear disagreement refutes
    (the statement is universal), agreement is reported as inconclusive.
    """
    statement = statement or f"lim {var}->{point}{'' if direction == '+-' else direction} {expr}"
    statement += f" == {expected}"
    value = time_limited(lambda: sp.limit(expr, var, point, dir=direction))
    if value is not None and not value.has(sp.Limit) and expected in (sp.oo, -sp.oo):
        if value == expected:
            return Proof(statement, Status.PROVED, "sympy limit")
        if value.is_number:
            return Proof(statement, Status.REFUTED, "sympy limit", f"the limit is {value}")
    elif value is not None and not value.has(sp.Limit):
        same = time_limited(lambda: sp.simplify(value - expected))
        if same == 0:
            return Proof(statement, Status.PROVED, "sympy limit")
        if same is not None and same.is_number and same != 0:
            return Proof(statement, Status.REFUTED, "sympy limit", f"the limit is {value}")
    if point in (sp.oo, -sp.oo):
        return Proof(statement, Status.INCONCLUSIVE, "sympy could not evaluate the limit")
    by_derivatives = _lhopital(expr, var, sp.nsimplify(point))
    if by_derivatives is not None:
        same = time_limited(lambda: sp.simplify(by_derivatives - expected))
        if same == 0:
            return Proof(statement, Status.PROVED, "L'Hopital: f(p) = g(p) = 0, g'(p) != 0")
        if same is not None and same.is_number:
            return Proof(statement, Status.REFUTED, "L'Hopital", f"the limit is {by_derivatives}")
    side = -1 if direction == "-" else 1
    others = {
        s: sp.Integer(3 + k) if s.is_integer else sp.Rational(7, 10) + sp.Rational(k, 13)
        for k, s in enumerate(sorted((expr - expected).free_symbols - {var}, key=str))
    }
    gap = (expr - expected).subs(others)
    gaps = []
    for k in (5, 10, 15, 20):
        x = sp.nsimplify(point) + side * sp.Rational(1, 10**k)
        approx = time_limited(lambda x=x: sp.N(gap.subs(var, x), DIGITS))
        if approx is not None and approx.is_number:
            gaps.append(abs(complex(approx)))
    if len(gaps) >= 2 and gaps[-1] > 1e-3 and gaps[-1] >= gaps[0] / 10:
        at = f" with {others}" if others else ""
        return Proof(
            statement,
            Status.REFUTED,
            "numeric approach to the point",
            f"|expr - expected| = {gaps[-1]:.3g} at distance 1e-20{at}",
        )
    return Proof(
        statement,
        Status.INCONCLUSIVE,
        "sympy could not evaluate the limit",
        "numerically approaching: " + ", ".join(f"{g:.1e}" for g in gaps),
    )
