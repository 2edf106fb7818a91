import functools
import math

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from theory import contrastive as c
from theory.proof import Status

EPS = np.finfo(np.float64).eps
R = sp.Rational

cosine = st.floats(min_value=-1.0, max_value=1.0)
temperature = st.floats(min_value=0.05, max_value=5.0)


# --------------------------------------------------------------------------------------------
# DCLW weights and the simplex


def test_dclw_tightened_bound_and_reversed_slope_are_refuted():
    positives = c.positive_cosines(3)
    w = c.dclw_weights(positives)
    assert c.prove_sign(w[0] - 1, "<").status is Status.REFUTED
    assert c.prove_sign(sp.diff(w[0], positives[0]), ">").status is Status.REFUTED


def test_closed_forms_match_float_evaluation():
    for n, tau in ((2, 0.5), (8, 0.1), (8, 0.5)):
        m = 2 * (n - 1)
        cos = -1 / (n - 1)
        infonce = -1 / tau + math.log(math.exp(1 / tau) + m * math.exp(cos / tau))
        dcl = -1 / tau + math.log(m * math.exp(cos / tau))
        assert float(c.infonce_minimum(n, tau)) == pytest.approx(infonce, rel=1e-14)
        assert float(c.dcl_minimum(n, tau)) == pytest.approx(dcl, rel=1e-14)


def test_simplex_embeddings_reject_a_single_vertex():
    with pytest.raises(ValueError, match="N >= 2"):
        c.simplex_embeddings(1)


# --------------------------------------------------------------------------------------------
# the helpers can fail


def test_identity_refutes_off_the_diagonal():
    a, b = sp.symbols("a b", real=True)
    assert c._identity(a, b, "a == b").status is Status.REFUTED


def test_prove_sign_rejects_unknown_relations():
    with pytest.raises(ValueError, match="relation"):
        c.prove_sign(c.TAU, "!=")


def test_inputs_are_checked():
    with pytest.raises(ValueError, match="negative"):
        c.negative_cosines(0)
    with pytest.raises(ValueError, match="two negatives"):
        c.two_lse_dcl_loss(c.C_P, c.negative_cosines(1))


# --------------------------------------------------------------------------------------------
# float64 evaluation of the proved identities at random points


def log_sum_exp(values):
    top = max(values)
    return top + math.log(sum(math.exp(v - top) for v in values))


@given(
    c_p=cosine,
    negatives=st.lists(cosine, min_size=1, max_size=8),
    tau=temperature,
)
def test_loss_gap_and_multiplier_in_float64(c_p, negatives, tau):
    logits = [c_p / tau] + [v / tau for v in negatives]
    infonce = -c_p / tau + log_sum_exp(logits)
    dcl = -c_p / tau + log_sum_exp(logits[1:])
    log_q = log_sum_exp(logits[1:]) - log_sum_exp(logits)
    # each term is a log-sum-exp of magnitude <= 1/tau + log(9): a few ulps of that scale
    scale = 1 + abs(infonce) + abs(dcl) + abs(log_q)
    assert abs(infonce - dcl + log_q) <= 16 * EPS * scale
    # q_B = 1 - exp(-L): L carries an absolute error of a few ulps of ``scale`` (its terms
    # cancel), and |dq_B/dL| = exp(-L) <= 1
    assert abs(math.exp(log_q) + math.expm1(-infonce)) <= 16 * EPS * scale


def test_float64_loss_gap_control():
    # the coupled variant keeps the positive in its denominator: it is InfoNCE, so the same
    # check L - L_variant + log q_B == 0 fails by |log q_B|
    c_p, negatives, tau = 0.8, [0.1, -0.3], 0.5
    logits = [c_p / tau] + [v / tau for v in negatives]
    infonce = -c_p / tau + log_sum_exp(logits)
    coupled = -c_p / tau + log_sum_exp([c_p / tau, *logits[1:]])
    log_q = log_sum_exp(logits[1:]) - log_sum_exp(logits)
    scale = 1 + 2 * abs(infonce) + abs(log_q)
    assert abs(infonce - coupled + log_q) > 1e6 * 16 * EPS * scale


@functools.cache
def gradient_functions(m):
    negatives = c.negative_cosines(m)
    variables = (c.C_P, *negatives)
    q = c.npc_multiplier(c.C_P, negatives)
    gradients = []
    for loss in (c.infonce_loss, c.dcl_loss):
        value = loss(c.C_P, negatives, c.TAU)
        gradients.append([sp.diff(value, v) for v in variables])
    args = (*variables, c.TAU)
    return (
        sp.lambdify(args, gradients[0], "math"),
        sp.lambdify(args, gradients[1], "math"),
        sp.lambdify(args, q, "math"),
    )


@settings(max_examples=60)
@given(c_p=cosine, negatives=st.lists(cosine, min_size=1, max_size=4), tau=temperature)
def test_gradient_factorisation_in_float64(c_p, negatives, tau):
    infonce, dcl, multiplier = gradient_functions(len(negatives))
    args = (c_p, *negatives, tau)
    left, right, q = infonce(*args), dcl(*args), multiplier(*args)
    # partials are at most 1/tau in size, built from a handful of exps and divisions; exps of
    # arguments up to 20 carry a relative error of about 20 eps
    tolerance = 256 * EPS / tau
    assert all(abs(a - q * b) <= tolerance for a, b in zip(left, right))


def test_float64_factorisation_control():
    # without q_B the c_p partials differ by (1 - q_B)/tau, far above the tolerance
    infonce, dcl, _ = gradient_functions(2)
    args = (0.8, 0.1, -0.3, 0.5)
    assert abs(infonce(*args)[0] - dcl(*args)[0]) > 1e6 * 256 * EPS / 0.5


def numpy_infonce(anchor, positive, negatives, tau, *, decoupled=False):
    logits = np.concatenate([[anchor @ positive], negatives @ anchor]) / tau
    kept = logits[1:] if decoupled else logits
    top = kept.max()
    return -logits[0] + top + np.log(np.exp(kept - top).sum())


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), tau=st.floats(min_value=0.2, max_value=2.0))
def test_proposition_1_against_central_differences(seed, tau):
    rng = np.random.default_rng(seed)
    dim, m = 3, 4
    anchor, positive = rng.normal(size=dim), rng.normal(size=dim)
    negatives = rng.normal(size=(m, dim))
    anchor, positive = anchor / np.linalg.norm(anchor), positive / np.linalg.norm(positive)
    negatives /= np.linalg.norm(negatives, axis=1, keepdims=True)
    weights = np.exp(negatives @ anchor / tau)
    share = weights / weights.sum()
    q = 1 - np.exp(anchor @ positive / tau) / (np.exp(anchor @ positive / tau) + weights.sum())
    for decoupled, factor in ((False, q), (True, 1.0)):
        expected = -(factor / tau) * (positive - share @ negatives)  # the anchor's gradient
        step = 1e-5
        numeric = np.empty(dim)
        for k in range(dim):
            e = np.zeros(dim)
            e[k] = step
            up = numpy_infonce(anchor + e, positive, negatives, tau, decoupled=decoupled)
            down = numpy_infonce(anchor - e, positive, negatives, tau, decoupled=decoupled)
            numeric[k] = (up - down) / (2 * step)
        # central differences: truncation h^2 |f'''|/6 <= 1e-10 * 6/tau^3 (|f'''| <= 6 |z|^3 /
        # tau^3 for log-sum-exp in unit vectors), rounding eps |f| / h with |f| <= 2/tau + log 5
        bound = 1e-10 * 6 / tau**3 + EPS * (2 / tau + 2) / step
        assert np.max(np.abs(numeric - expected)) <= 4 * bound


def test_central_differences_see_the_wrong_common_factor():
    anchor = np.array([1.0, 0.0, 0.0])
    positive = np.array([0.6, 0.8, 0.0])
    negatives = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    tau, step = 0.5, 1e-5
    numeric = np.array(
        [
            (
                numpy_infonce(anchor + step * e, positive, negatives, tau)
                - numpy_infonce(anchor - step * e, positive, negatives, tau)
            )
            / (2 * step)
            for e in np.eye(3)
        ]
    )
    weights = np.exp(negatives @ anchor / tau)
    without_q = -(1 / tau) * (positive - (weights / weights.sum()) @ negatives)
    assert np.max(np.abs(numeric - without_q)) > 0.1


@settings(max_examples=40)
@given(negatives=st.lists(cosine, min_size=2, max_size=6, unique=True), tau=temperature)
def test_entropy_slope_equals_the_variance_at_40_digits(negatives, tau):
    with mpmath.workdps(40):
        values = [mpmath.mpf(v) for v in negatives]

        def entropy(t):
            weights = [mpmath.exp(v / t) for v in values]
            total = mpmath.fsum(weights)
            return -mpmath.fsum(w / total * mpmath.log(w / total) for w in weights)

        t = mpmath.mpf(tau)
        weights = [mpmath.exp(v / t) for v in values]
        total = mpmath.fsum(weights)
        mean = mpmath.fsum(w * v for w, v in zip(weights, values)) / total
        variance = mpmath.fsum(w * (v - mean) ** 2 for w, v in zip(weights, values)) / total
        slope = mpmath.diff(entropy, t)
        assert abs(slope - variance / t**3) <= mpmath.mpf(10) ** -25 * (1 + abs(slope))
        assert slope >= 0


@given(
    c_p=cosine,
    negatives=st.lists(cosine, min_size=1, max_size=8),
    tau=st.floats(min_value=1e-4, max_value=1e-2),
)
def test_low_temperature_squeeze_in_float64(c_p, negatives, tau):
    m = len(negatives)
    logits = [c_p / tau] + [v / tau for v in negatives]
    scaled_infonce = tau * (-c_p / tau + log_sum_exp(logits))
    scaled_dcl = tau * (-c_p / tau + log_sum_exp(logits[1:]))
    hinge = max(max(negatives) - c_p, 0.0)
    # tau * logsumexp carries an absolute error of a few ulps of max|c| <= 1
    slack = 16 * EPS
    assert -slack <= scaled_infonce - hinge <= tau * math.log(m + 1) + slack
    assert -slack <= scaled_dcl - (max(negatives) - c_p) <= tau * math.log(m) + slack
    # negative control: DCL with a hinge breaks the bound whenever every negative is below c_p
    if max(negatives) - c_p < -tau * math.log(m) - 1e-9:
        assert scaled_dcl - hinge < -slack


@settings(max_examples=30)
@given(
    positives=st.lists(cosine, min_size=2, max_size=32),
    sigma=st.floats(min_value=0.1, max_value=10.0),
)
def test_dclw_weights_in_float64(positives, sigma):
    n = len(positives)
    w = np.array([float(v) for v in c.dclw_weights(positives, R(sigma))])
    # w_i = 2 - N softmax_i: the N terms of the mean cancel to within N eps
    assert abs(w.mean() - 1) <= 8 * n * EPS
    assert np.all(w < 2)
    order = np.argsort(positives, kind="stable")
    assert np.all(np.diff(w[order]) <= 8 * n * EPS)  # larger cosine, smaller weight
    # negative control: the pre-afdb447 weights have mean 2 - 1/N
    buggy = np.array([float(v) for v in c.dclw_weights(positives, R(sigma), scale=1)])
    assert abs(buggy.mean() - 1) >= 0.5 - 8 * n * EPS


@pytest.mark.parametrize("m", [1, 3])
def test_high_temperature_remainder_has_slope_minus_two(m):
    rng = np.random.default_rng(m)
    cosines = [R(int(v), 1000) for v in rng.integers(-1000, 1000, size=m + 1)]
    c_p, negatives = cosines[0], cosines[1:]
    with mpmath.workdps(60):
        for loss, approximation, values in (
            (c.infonce_loss, c.infonce_high_temperature, cosines),
            (c.dcl_loss, c.dcl_high_temperature, negatives),
        ):
            remainder = loss(c_p, negatives, c.TAU) - approximation(c_p, negatives, c.TAU)
            leading = float(sp.N(c._uniform_variance(values) / 2))
            scaled = [float(sp.N(tau**2 * remainder.subs(c.TAU, tau), 60)) for tau in (100, 1000)]
            # tau^2 R = Var/2 + O(1/tau): the gap shrinks tenfold per decade
            assert abs(scaled[1] - leading) <= abs(scaled[0] - leading) / 5 + 1e-12
            assert scaled[1] == pytest.approx(leading, abs=1e-3)
