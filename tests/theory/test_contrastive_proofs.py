import math

import pytest
import sympy as sp

from theory import contrastive as c
from theory import contrastive_proofs as cp
from theory.proof import Status

R = sp.Rational


def statuses(proofs):
    return [p.status for p in proofs]


# --------------------------------------------------------------------------------------------
# the summary: every statement proved symbolically


@pytest.fixture(scope="module")
def summary():
    return cp.contrastive_identities()


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
    for name, tag in cp.PROVENANCE.items():
        assert callable(getattr(cp, name)), name
        assert tag in (cp.PAPER, cp.RECONSTRUCTED, cp.DERIVED)


# --------------------------------------------------------------------------------------------
# 1-2. factorisation, loss gap, Proposition 2: each with its negative control


def test_factorisation_fails_when_the_positive_stays_in_the_denominator():
    # the coupled variant is InfoNCE itself: with multiplier 1 the factorisation is trivial,
    # and it is Proposition 2's multiplier-1 check (below) that must fail for it
    trivial = cp.prove_gradient_factorisation(
        2, decoupled=c.coupled_dcl_loss, multiplier=c.unit_multiplier
    )
    assert set(statuses(trivial)) == {Status.PROVED}
    assert set(statuses(cp.prove_gradient_factorisation(2, decoupled=c.coupled_dcl_loss))) == {
        Status.REFUTED
    }
    # InfoNCE and DCL gradients are not equal: the multiplier q_B is needed
    assert set(statuses(cp.prove_gradient_factorisation(3, multiplier=c.unit_multiplier))) == {
        Status.REFUTED
    }


def test_proposition_2_holds_for_dcl_only():
    assert set(statuses(cp.prove_decoupled_gradient(3))) == {Status.PROVED}
    # the positive kept in the denominator: multiplier 1 is refuted on every partial
    assert set(statuses(cp.prove_decoupled_gradient(3, loss=c.coupled_dcl_loss))) == {
        Status.REFUTED
    }
    # pre-fix lightly: the positive partial is right, every negative is normalised in its half
    two_lse = cp.prove_decoupled_gradient(2, loss=c.two_lse_dcl_loss)
    assert statuses(two_lse) == [Status.PROVED, Status.REFUTED, Status.REFUTED]


def test_loss_gap_is_refuted_for_the_coupled_variant():
    proofs = cp.prove_loss_gap(2, decoupled=c.coupled_dcl_loss)
    assert proofs[0].status is Status.REFUTED  # L - L + log q_B != 0
    assert proofs[2].status is Status.REFUTED  # its gap is 0, not > 0


def test_npc_multiplier_signs_and_a_reversed_sign():
    assert set(statuses(cp.prove_npc_multiplier_range(2))) == {Status.PROVED}
    q = c.npc_multiplier(c.C_P, c.negative_cosines(2))
    assert c.prove_sign(sp.diff(q, c.C_P), ">").status is Status.REFUTED
    assert c.prove_sign(q - R(1, 2), ">").status is Status.REFUTED  # a tightened bound


# --------------------------------------------------------------------------------------------
# 3. vector form


def test_proposition_1_in_three_dimensions():
    proofs = cp.prove_vector_gradients(3, 2)
    assert len(proofs) == 3 * 4
    assert set(statuses(proofs)) == {Status.PROVED}


@pytest.mark.parametrize(
    ("loss", "coupled"),
    [(c.dcl_loss, True), (c.coupled_dcl_loss, False), (c.infonce_loss, False)],
)
def test_the_wrong_common_factor_is_refuted_in_vector_form(loss, coupled):
    assert set(statuses(cp.prove_vector_gradients(2, 2, loss=loss, coupled=coupled))) == {
        Status.REFUTED
    }


# --------------------------------------------------------------------------------------------
# 4. Wang-Liu


def test_gradient_balance_is_refuted_for_two_log_sum_exps():
    proofs = cp.prove_wang_liu_gradients(2, loss=c.two_lse_dcl_loss)
    balance = proofs[-1]
    assert "sum_j |" in balance.statement and balance.status is Status.REFUTED


def test_dcl_keeps_the_balance_but_not_the_softmax_gradients():
    proofs = cp.prove_wang_liu_gradients(2, loss=c.dcl_loss)
    assert proofs[-1].status is Status.PROVED  # -1/tau against 1/tau
    assert proofs[0].status is Status.REFUTED and proofs[1].status is Status.REFUTED


def test_entropy_slope_with_the_wrong_power_of_tau_is_refuted():
    proofs = cp.prove_entropy_temperature(3, exponent=2)
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
    proof = cp.prove_low_temperature_limit_at(c_p, negatives, loss=loss)
    assert proof.status is Status.PROVED
    assert sp.sympify(c.low_temperature_limit(c_p, negatives, hinge=loss is c.infonce_loss)) == (
        expected
    )


def test_a_hinge_for_dcl_and_no_hinge_for_infonce_are_refuted():
    c_p, negatives = R(1, 2), [R(1, 5), R(-1, 3)]
    dcl = cp.prove_low_temperature_limit_at(c_p, negatives, loss=c.dcl_loss, expected=0)
    infonce = cp.prove_low_temperature_limit_at(c_p, negatives, expected=R(-3, 10))
    assert dcl.status is Status.REFUTED and infonce.status is Status.REFUTED


def test_the_squeeze_refutes_a_wrong_limit():
    tau, top, b = c.TAU, sp.Symbol("M", real=True), sp.Symbol("b_1", nonnegative=True)
    scaled = tau * c.infonce_loss(top, [top - b])
    assert cp._squeeze("right", scaled, 0, [b]).status is Status.PROVED
    assert cp._squeeze("wrong", scaled, b, [b]).status is Status.REFUTED


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
    proof = cp.prove_high_temperature_remainder(
        c.infonce_loss(c.C_P, negatives), wrong(c.C_P, negatives), 0, statement="wrong"
    )
    assert proof.status is Status.REFUTED


def test_a_wrong_leading_remainder_coefficient_is_refuted():
    # the limit is Var/2, which vanishes when all cosines are equal: prove_limit alone would
    # compare at a diagonal point; the wrapper compares sympy's limit off the diagonal
    negatives = c.negative_cosines(2)
    proof = cp.prove_high_temperature_remainder(
        c.infonce_loss(c.C_P, negatives),
        c.infonce_high_temperature(c.C_P, negatives),
        0,
        statement="leading 0",
    )
    assert proof.status is Status.REFUTED


# --------------------------------------------------------------------------------------------
# 6. DCLW


def test_dclw_without_the_factor_n_fails_the_mean_and_the_limit():
    mean, below_two, limit, slope = cp.prove_dclw_weight_properties(3, scale=1)
    assert mean.status is Status.REFUTED and limit.status is Status.REFUTED
    assert below_two.status is Status.PROVED and slope.status is Status.PROVED


def test_negative_weight_witnesses():
    assert cp.prove_dclw_negative_weight().status is Status.PROVED
    # N = 3: w_3 = (4 - e^4)/(2 + e^4) < 0
    small = cp.prove_dclw_negative_weight([-1, -1, 1], R(1, 2))
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
    assert cp.prove_dclw_negative_weight(**kwargs).status is Status.REFUTED


# --------------------------------------------------------------------------------------------
# 7. the simplex


def test_closed_forms_with_the_factor_2_dropped_are_refuted():
    def infonce_without_2(n, tau):
        return -1 / tau + sp.log(sp.exp(1 / tau) + (n - 1) * sp.exp(-1 / ((n - 1) * tau)))

    def dcl_without_2(n, tau):
        return -1 / tau - 1 / ((n - 1) * tau) + sp.log(n - 1)

    proofs = cp.prove_simplex_minimum_values((3,), infonce_value=infonce_without_2)
    assert statuses(proofs) == [
        Status.REFUTED,
        Status.PROVED,
        Status.PROVED,
        Status.REFUTED,
        Status.PROVED,
    ]
    proofs = cp.prove_simplex_minimum_values((3,), dcl_value=dcl_without_2)
    assert proofs[1].status is Status.REFUTED and proofs[4].status is Status.REFUTED


def test_an_irregular_triangle_is_not_stationary():
    triangle = [sp.Matrix([1, 0, 0]), sp.Matrix([0, 1, 0]), sp.Matrix([R(-3, 5), R(-4, 5), 0])]
    proof = cp.prove_simplex_stationary(views=[(v, v) for v in triangle])
    assert proof.status is Status.REFUTED
