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


def statuses(proofs):
    return [p.status for p in proofs]


# --------------------------------------------------------------------------------------------
# the summary: every statement proved symbolically


@pytest.fixture(scope="module")
def summary():
    return c.contrastive_identities()


def test_every_statement_of_the_summary_is_proved_symbolically(summary):
    not_proved = [str(p) for p in summary if p.status is not Status.PROVED]
    assert not not_proved, "\n".join(not_proved)
    assert len(summary) > 150


@pytest.mark.parametrize(
    "fragment",
    [
        "m=4: dL_InfoNCE/dc_4 == npc_multiplier * ddcl_loss/dc_4",
        "m=4: L_InfoNCE - dcl_loss + log q_B == 0",
        "m=4: q_B == 1 - exp(-L_InfoNCE)",
        "m=3: dinfonce_loss/ds_ii == -q_B/tau",
        "m=4: dH(r)/dtau == Var_r(c)/tau^3",
        "m=4: dH(r)/dtau >= 0",
        "(c_max >= c_p: c_1 = M, c_p = M - b_p, c_j = M - b_j, b >= 0; limit b_p)",
        "m=4: tau^2 (L_InfoNCE - Wang-Liu Eq.7) -> Var(c)/2",
        "with factor q_B",
        "with factor 1",
        "N=4: mean_i w_i == 1",
        "N=64, sigma=1/2: w_64 < 0",
        "N=5: every anchor's dcl_loss at the simplex == L*_DC",
        "batch loss is stationary on the sphere",
    ],
)
def test_the_summary_covers_each_statement_family(summary, fragment):
    assert any(fragment in p.statement for p in summary), fragment


def test_provenance_names_the_public_statements():
    for name, tag in c.PROVENANCE.items():
        assert callable(getattr(c, name)), name
        assert tag in (c.PAPER, c.RECONSTRUCTED, c.DERIVED)


# --------------------------------------------------------------------------------------------
# 1-2. factorisation, loss gap, Proposition 2: each with its negative control


def test_factorisation_fails_when_the_positive_stays_in_the_denominator():
    # the coupled variant is InfoNCE itself: with multiplier 1 the factorisation is trivial,
    # and it is Proposition 2's multiplier-1 check (below) that must fail for it
    trivial = c.prove_gradient_factorisation(
        2, decoupled=c.coupled_dcl_loss, multiplier=c.unit_multiplier
    )
    assert set(statuses(trivial)) == {Status.PROVED}
    assert set(statuses(c.prove_gradient_factorisation(2, decoupled=c.coupled_dcl_loss))) == {
        Status.REFUTED
    }
    # InfoNCE and DCL gradients are not equal: the multiplier q_B is needed
    assert set(statuses(c.prove_gradient_factorisation(3, multiplier=c.unit_multiplier))) == {
        Status.REFUTED
    }


def test_proposition_2_holds_for_dcl_only():
    assert set(statuses(c.prove_decoupled_gradient(3))) == {Status.PROVED}
    # the positive kept in the denominator: multiplier 1 is refuted on every partial
    assert set(statuses(c.prove_decoupled_gradient(3, loss=c.coupled_dcl_loss))) == {Status.REFUTED}
    # pre-fix lightly: the positive partial is right, every negative is normalised in its half
    two_lse = c.prove_decoupled_gradient(2, loss=c.two_lse_dcl_loss)
    assert statuses(two_lse) == [Status.PROVED, Status.REFUTED, Status.REFUTED]


def test_loss_gap_is_refuted_for_the_coupled_variant():
    proofs = c.prove_loss_gap(2, decoupled=c.coupled_dcl_loss)
    assert proofs[0].status is Status.REFUTED  # L - L + log q_B != 0
    assert proofs[2].status is Status.REFUTED  # its gap is 0, not > 0


def test_npc_multiplier_signs_and_a_reversed_sign():
    assert set(statuses(c.prove_npc_multiplier_range(2))) == {Status.PROVED}
    q = c.npc_multiplier(c.C_P, c.negative_cosines(2))
    assert c.prove_sign(sp.diff(q, c.C_P), ">").status is Status.REFUTED
    assert c.prove_sign(q - R(1, 2), ">").status is Status.REFUTED  # a tightened bound


# --------------------------------------------------------------------------------------------
# 3. vector form


def test_proposition_1_in_three_dimensions():
    proofs = c.prove_vector_gradients(3, 2)
    assert len(proofs) == 3 * 4
    assert set(statuses(proofs)) == {Status.PROVED}


@pytest.mark.parametrize(
    ("loss", "coupled"),
    [(c.dcl_loss, True), (c.coupled_dcl_loss, False), (c.infonce_loss, False)],
)
def test_the_wrong_common_factor_is_refuted_in_vector_form(loss, coupled):
    assert set(statuses(c.prove_vector_gradients(2, 2, loss=loss, coupled=coupled))) == {
        Status.REFUTED
    }


# --------------------------------------------------------------------------------------------
# 4. Wang-Liu


def test_gradient_balance_is_refuted_for_two_log_sum_exps():
    proofs = c.prove_wang_liu_gradients(2, loss=c.two_lse_dcl_loss)
    balance = proofs[-1]
    assert "sum_j |" in balance.statement and balance.status is Status.REFUTED


def test_dcl_keeps_the_balance_but_not_the_softmax_gradients():
    proofs = c.prove_wang_liu_gradients(2, loss=c.dcl_loss)
    assert proofs[-1].status is Status.PROVED  # -1/tau against 1/tau
    assert proofs[0].status is Status.REFUTED and proofs[1].status is Status.REFUTED


def test_entropy_slope_with_the_wrong_power_of_tau_is_refuted():
    proofs = c.prove_entropy_temperature(3, exponent=2)
    assert proofs[1].status is Status.REFUTED and proofs[3].status is Status.REFUTED


# --------------------------------------------------------------------------------------------
# 5. temperature limits


@pytest.mark.parametrize(
    ("c_p", "negatives", "loss", "expected"),
    [
        (R(1, 2), [R(1, 5), R(-1, 3)], c.infonce_loss, 0),  # hinge inactive
        (R(1, 5), [R(1, 2), R(-1, 3)], c.infonce_loss, R(3, 10)),  # hinge active
        (R(1, 2), [R(1, 2), R(-1, 3)], c.infonce_loss, 0),  # tie
        (R(1, 2), [R(1, 5), R(-1, 3)], c.dcl_loss, R(-3, 10)),  # no hinge for DCL
    ],
)
def test_low_temperature_limits_at_rational_cosines(c_p, negatives, loss, expected):
    proof = c.prove_low_temperature_limit_at(c_p, negatives, loss=loss)
    assert proof.status is Status.PROVED
    assert sp.sympify(c.low_temperature_limit(c_p, negatives, hinge=loss is c.infonce_loss)) == (
        expected
    )


def test_a_hinge_for_dcl_and_no_hinge_for_infonce_are_refuted():
    c_p, negatives = R(1, 2), [R(1, 5), R(-1, 3)]
    dcl = c.prove_low_temperature_limit_at(c_p, negatives, loss=c.dcl_loss, expected=0)
    infonce = c.prove_low_temperature_limit_at(c_p, negatives, expected=R(-3, 10))
    assert dcl.status is Status.REFUTED and infonce.status is Status.REFUTED


def test_the_squeeze_refutes_a_wrong_limit():
    tau, top, b = c.TAU, sp.Symbol("M", real=True), sp.Symbol("b_1", nonnegative=True)
    scaled = tau * c.infonce_loss(top, [top - b])
    assert c._squeeze("right", scaled, 0, [b]).status is Status.PROVED
    assert c._squeeze("wrong", scaled, b, [b]).status is Status.REFUTED


@pytest.mark.parametrize(
    "wrong",
    [
        lambda cp, cs: -cp / c.TAU + sum(cs) / (3 * c.TAU) + sp.log(3),  # all of c_p
        lambda cp, cs: c.infonce_high_temperature(cp, cs) - sp.log(3) + sp.log(2),  # log m
        lambda cp, cs: c.dcl_high_temperature(cp, cs),  # the DCL expansion
    ],
)
def test_wrong_high_temperature_expansions_are_refuted(wrong):
    negatives = c.negative_cosines(2)
    proof = c.prove_high_temperature_remainder(
        c.infonce_loss(c.C_P, negatives), wrong(c.C_P, negatives), 0, statement="wrong"
    )
    assert proof.status is Status.REFUTED


def test_a_wrong_leading_remainder_coefficient_is_refuted():
    # the limit is Var/2, which vanishes when all cosines are equal: prove_limit alone would
    # compare at a diagonal point; the wrapper compares sympy's limit off the diagonal
    negatives = c.negative_cosines(2)
    proof = c.prove_high_temperature_remainder(
        c.infonce_loss(c.C_P, negatives),
        c.infonce_high_temperature(c.C_P, negatives),
        0,
        statement="leading 0",
    )
    assert proof.status is Status.REFUTED


# --------------------------------------------------------------------------------------------
# 6. DCLW


def test_dclw_without_the_factor_n_fails_the_mean_and_the_limit():
    mean, below_two, limit, slope = c.prove_dclw_weight_properties(3, scale=1)
    assert mean.status is Status.REFUTED and limit.status is Status.REFUTED
    assert below_two.status is Status.PROVED and slope.status is Status.PROVED


def test_dclw_tightened_bound_and_reversed_slope_are_refuted():
    positives = c.positive_cosines(3)
    w = c.dclw_weights(positives)
    assert c.prove_sign(w[0] - 1, "<").status is Status.REFUTED
    assert c.prove_sign(sp.diff(w[0], positives[0]), ">").status is Status.REFUTED


def test_negative_weight_witnesses():
    assert c.prove_dclw_negative_weight().status is Status.PROVED
    # N = 3: w_3 = (4 - e^4)/(2 + e^4) < 0
    small = c.prove_dclw_negative_weight([-1, -1, 1], R(1, 2))
    assert small.status is Status.PROVED
    assert float(sp.N(c.dclw_weights([-1, -1, 1], R(1, 2))[2])) == pytest.approx(
        (4 - math.exp(4)) / (2 + math.exp(4))
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"cosines": [-1, 1]},  # N = 2: w = 2 e^{c_other}/(...) > 0
        {"sigma": 10},  # flat kernel: every weight near 1
        {"scale": 1},  # the pre-afdb447 bug
    ],
)
def test_negative_weight_witness_controls(kwargs):
    assert c.prove_dclw_negative_weight(**kwargs).status is Status.REFUTED


# --------------------------------------------------------------------------------------------
# 7. the simplex


def test_closed_forms_with_the_factor_2_dropped_are_refuted():
    def infonce_without_2(n, tau):
        return -1 / tau + sp.log(sp.exp(1 / tau) + (n - 1) * sp.exp(-1 / ((n - 1) * tau)))

    def dcl_without_2(n, tau):
        return -1 / tau - 1 / ((n - 1) * tau) + sp.log(n - 1)

    proofs = c.prove_simplex_minimum_values((3,), infonce_value=infonce_without_2)
    assert statuses(proofs) == [
        Status.REFUTED,
        Status.PROVED,
        Status.PROVED,
        Status.REFUTED,
        Status.PROVED,
    ]
    proofs = c.prove_simplex_minimum_values((3,), dcl_value=dcl_without_2)
    assert proofs[1].status is Status.REFUTED and proofs[4].status is Status.REFUTED


def test_closed_forms_match_float_evaluation():
    for n, tau in ((2, 0.5), (8, 0.1), (8, 0.5)):
        m = 2 * (n - 1)
        cos = -1 / (n - 1)
        infonce = -1 / tau + math.log(math.exp(1 / tau) + m * math.exp(cos / tau))
        dcl = -1 / tau + math.log(m * math.exp(cos / tau))
        assert float(c.infonce_minimum(n, tau)) == pytest.approx(infonce, rel=1e-14)
        assert float(c.dcl_minimum(n, tau)) == pytest.approx(dcl, rel=1e-14)


def test_an_irregular_triangle_is_not_stationary():
    triangle = [sp.Matrix([1, 0, 0]), sp.Matrix([0, 1, 0]), sp.Matrix([R(-3, 5), R(-4, 5), 0])]
    proof = c.prove_simplex_stationary(views=[(v, v) for v in triangle])
    assert proof.status is Status.REFUTED


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
