"""The blockwise InfoNCE / DCL / DCLW kernel against a naive loop oracle, finite differences,
the exact identities behind Yeh et al. 2022's Proposition 1 (q_B = 1 − e^{−L_InfoNCE},
∇L_InfoNCE = q_B ∇L_DCL per anchor) and of the DCLW weight (mean 1, below 2), and independent
re-implementations of the scalars the peer libraries (lightly, nidl) report."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulations import contrastive as con
from simulations.backend import to_numpy

# --------------------------------------------------------------------------------------------
# Naive oracle: explicit loops over anchors and negatives, float64, math.exp / math.log only.
# --------------------------------------------------------------------------------------------


def _lse(values):
    top = max(values)
    return top + math.log(sum(math.exp(v - top) for v in values))


def _dot(a, b):
    return sum(float(x) * float(y) for x, y in zip(a, b))


def _dclw_weights(z, sigma):
    n = z.shape[1]
    scaled = [_dot(z[0, i], z[1, i]) / sigma for i in range(n)]
    norm = _lse(scaled)
    softmax = [math.exp(s - norm) for s in scaled]
    return [2.0 - n * p for p in softmax], softmax


def _anchor_logits(z, tau, k, i):
    """Positive logit and the (view, sample, logit) of every negative of anchor (k, i)."""
    n = z.shape[1]
    positive = _dot(z[k, i], z[1 - k, i]) / tau
    negatives = [
        (view, j, _dot(z[k, i], z[view, j]) / tau) for view in (0, 1) for j in range(n) if j != i
    ]
    return positive, negatives


def oracle_losses(z, tau, sigma=0.5):
    """Per-anchor values {kind: (2, N)} and q_B, by the definitions."""
    z = np.asarray(z, dtype=np.float64)
    n = z.shape[1]
    w, _ = _dclw_weights(z, sigma)
    out = {kind: np.zeros((2, n)) for kind in (*con.LOSSES, "q_b")}
    for k in (0, 1):
        for i in range(n):
            sp, negatives = _anchor_logits(z, tau, k, i)
            logits = [s for _, _, s in negatives]
            same = [s for view, _, s in negatives if view == k]
            cross = [s for view, _, s in negatives if view != k]
            out["infonce"][k, i] = -sp + _lse([sp, *logits])
            out["dcl"][k, i] = -sp + _lse(logits)
            out["dclw"][k, i] = -w[i] * sp + _lse(logits)
            out["dcl_split"][k, i] = -sp + _lse(same) + _lse(cross)
            # q_B = U / (e^{s_p} + U) (Eq. 4), written without the cancellation in 1 - P_+
            out["q_b"][k, i] = 1 / (1 + math.exp(sp - _lse(logits)))
    return out


def oracle_gradient(z, tau, kind, sigma=0.5, detach=True, anchor_weights=None):
    """Gradient of Σ a_{k,i} L_{k,i} with respect to z, by the chain rule through each logit."""
    z = np.asarray(z, dtype=np.float64)
    n = z.shape[1]
    a = np.full((2, n), 1 / (2 * n)) if anchor_weights is None else np.asarray(anchor_weights)
    w, softmax = _dclw_weights(z, sigma)
    g = np.zeros_like(z)
    for k in (0, 1):
        for i in range(n):
            sp, negatives = _anchor_logits(z, tau, k, i)
            logits = [s for _, _, s in negatives]
            if kind == "infonce":
                norm = _lse([sp, *logits])
                d_positive = -1 + math.exp(sp - norm)
                normalisers = {0: norm, 1: norm}
            else:
                d_positive = -w[i] if kind == "dclw" else -1.0
                norm = _lse(logits)
                normalisers = {0: norm, 1: norm}
                if kind == "dcl_split":
                    for view in (0, 1):
                        normalisers[view] = _lse([s for v, _, s in negatives if v == view])
            # s_p = <z[k, i], z[1 - k, i]> / tau
            g[k, i] += a[k, i] * d_positive * z[1 - k, i] / tau
            g[1 - k, i] += a[k, i] * d_positive * z[k, i] / tau
            for view, j, s in negatives:
                d_negative = math.exp(s - normalisers[view])
                g[k, i] += a[k, i] * d_negative * z[view, j] / tau
                g[view, j] += a[k, i] * d_negative * z[k, i] / tau
            if kind == "dclw" and not detach:
                # L_{k,i} ⊃ -w_i s_p, w_i = 2 - N softmax_i(c / σ), c_m = <z[0, m], z[1, m]>
                for m in range(n):
                    dw_dc = -n * softmax[i] * ((i == m) - softmax[m]) / sigma
                    coefficient = -a[k, i] * sp * dw_dc
                    g[0, m] += coefficient * z[1, m]
                    g[1, m] += coefficient * z[0, m]
    return g


def sphere(n, d, seed, dtype=np.float64):
    u = np.random.default_rng(seed).normal(size=(2, n, d))
    return (u / np.linalg.norm(u, axis=-1, keepdims=True)).astype(dtype)


def views(n, d, seed, spread=0.3):
    """Two correlated views (positives closer than negatives), normalised."""
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(n, d))
    u = np.stack([base + spread * rng.normal(size=(n, d)) for _ in range(2)])
    return u / np.linalg.norm(u, axis=-1, keepdims=True)


def assert_matches_oracle(result, z, tau, sigma, detach, rtol=1e-10, atol=1e-12):
    expected = oracle_losses(z, tau, sigma)
    for kind in con.LOSSES:
        np.testing.assert_allclose(to_numpy(result.losses[kind]), expected[kind], rtol, atol)
    np.testing.assert_allclose(to_numpy(result.q_b), expected["q_b"], rtol, atol)
    grad = oracle_gradient(z, tau, result.kind, sigma, detach)
    scale = max(1.0, float(np.abs(grad).max()))
    np.testing.assert_allclose(to_numpy(result.grad), grad, rtol, atol * scale)


# --------------------------------------------------------------------------------------------
# The kernel against the oracle
# --------------------------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(
    n=st.integers(2, 9),
    d=st.integers(1, 6),
    tau=st.floats(0.05, 3.0),
    sigma=st.floats(0.1, 5.0),
    block=st.integers(1, 22),
    kind=st.sampled_from(con.LOSSES),
    detach=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_kernel_matches_the_loop_oracle(n, d, tau, sigma, block, kind, detach, seed):
    z = sphere(n, d, seed)
    result = con.contrastive(z, tau, loss=kind, sigma=sigma, detach_weight=detach, block=block)
    assert result.grad.shape == z.shape and result.loss.shape == (2, n)
    assert_matches_oracle(result, z, tau, sigma, detach)


@pytest.mark.parametrize("kind", con.LOSSES)
def test_every_namespace_and_block_size_agrees_with_the_oracle(backend, kind):
    n, d, tau, sigma = 7, 5, 0.2, 0.5
    z = views(n, d, seed=3)
    for block in (1, 2, 3, 4, 5, 13, 14, 64):  # 2N = 14: ragged tiles, one dense tile
        for detach in (True, False) if kind == "dclw" else (True,):
            result = con.contrastive(
                backend.xp.asarray(z),
                tau,
                loss=kind,
                sigma=sigma,
                detach_weight=detach,
                block=block,
            )
            assert result.grad.shape == z.shape
            assert_matches_oracle(result, z, tau, sigma, detach)


def test_float32_runs_in_float32_and_stays_close(backend):
    z = views(9, 16, seed=4)
    result = con.contrastive(backend.xp.asarray(z, dtype=backend.xp.float32), 0.1, block=6)
    assert result.grad.dtype == backend.xp.float32 and result.loss.dtype == backend.xp.float32
    exact = con.contrastive(z, 0.1, block=6)
    np.testing.assert_allclose(to_numpy(result.loss), exact.loss, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(to_numpy(result.grad), exact.grad, rtol=1e-4, atol=1e-4)


def test_blockwise_equals_dense_at_a_moderate_batch():
    z = views(300, 32, seed=5)
    dense = con.contrastive(z, 0.1, loss="infonce", block=600)
    for block in (7, 64, 256):  # block = 1 is covered at small N
        tiled = con.contrastive(z, 0.1, loss="infonce", block=block)
        np.testing.assert_allclose(tiled.loss, dense.loss, rtol=1e-12)
        np.testing.assert_allclose(tiled.grad, dense.grad, rtol=1e-10, atol=1e-15)


# --------------------------------------------------------------------------------------------
# Finite differences and the normalisation
# --------------------------------------------------------------------------------------------


def _central_difference(f, z, h=1e-6):
    grad = np.zeros_like(z)
    for index in np.ndindex(z.shape):
        up, down = z.copy(), z.copy()
        up[index] += h
        down[index] -= h
        grad[index] = (f(up) - f(down)) / (2 * h)
    return grad


@pytest.mark.parametrize(
    ("kind", "detach"),
    [("infonce", True), ("dcl", True), ("dclw", True), ("dclw", False), ("dcl_split", True)],
)
def test_gradient_matches_central_differences(kind, detach):
    z, tau, sigma = views(4, 3, seed=6, spread=1.0), 0.4, 0.5
    result = con.contrastive(z, tau, loss=kind, sigma=sigma, detach_weight=detach, block=3)
    frozen = result.weights  # detached: the weight is a constant of the base point

    def mean_loss(zz):
        r = con.contrastive(zz, tau, loss=kind, sigma=sigma, gradient=False, check_unit=False)
        if kind == "dclw" and detach:
            return float(np.mean(r.lse_negatives - frozen * r.positive))
        return float(r.mean())

    numeric = _central_difference(mean_loss, z)
    np.testing.assert_allclose(result.grad, numeric, rtol=1e-6, atol=1e-8)


def test_projection_through_the_normalisation():
    u = np.random.default_rng(7).normal(size=(2, 4, 3)) * 2.5
    z = con.normalise(u)
    np.testing.assert_allclose(np.linalg.norm(z, axis=-1), 1.0, rtol=1e-14)
    result = con.contrastive(z, 0.3, loss="infonce", block=2)
    pulled = con.project_gradient(result.grad, u)

    def of_u(uu):
        return float(con.contrastive(con.normalise(uu), 0.3, gradient=False, loss="infonce").mean())

    np.testing.assert_allclose(pulled, _central_difference(of_u, u), rtol=1e-6, atol=1e-9)
    # the pulled-back gradient is orthogonal to u (scale invariance)
    np.testing.assert_allclose(np.sum(pulled * u, axis=-1), 0.0, atol=1e-12)
    with pytest.raises(ValueError, match="non-zero norm"):
        con.normalise(np.zeros((2, 2, 3)))
    with pytest.raises(ValueError, match="shape"):
        con.project_gradient(result.grad[:, :3], u)


# --------------------------------------------------------------------------------------------
# Exact identities across the losses
# --------------------------------------------------------------------------------------------


def test_per_anchor_infonce_gradient_is_q_b_times_the_dcl_gradient():
    n, d = 6, 4
    z = views(n, d, seed=8)
    q_b = con.contrastive(z, 0.2, block=4).q_b
    for k, i in [(0, 0), (1, 3), (0, 5)]:
        one_hot = np.zeros((2, n))
        one_hot[k, i] = 1.0
        info = con.contrastive(z, 0.2, loss="infonce", block=4, anchor_weights=one_hot).grad
        dcl = con.contrastive(z, 0.2, loss="dcl", block=4, anchor_weights=one_hot).grad
        np.testing.assert_allclose(info, q_b[k, i] * dcl, rtol=1e-12, atol=1e-15)
    # the same holds for the batch with q_B held fixed as per-anchor weights ...
    mean_info = con.contrastive(z, 0.2, loss="infonce", block=4).grad
    weighted = con.contrastive(z, 0.2, loss="dcl", block=4, anchor_weights=q_b / (2 * n)).grad
    np.testing.assert_allclose(mean_info, weighted, rtol=1e-12, atol=1e-15)
    # ... but not with one common factor: each anchor has its own q_B
    mean_dcl = con.contrastive(z, 0.2, loss="dcl", block=4).grad
    assert np.abs(mean_info - q_b.mean() * mean_dcl).max() > 1e-3 * np.abs(mean_info).max()


@settings(max_examples=20, deadline=None)
@given(n=st.integers(2, 40), tau=st.floats(1e-3, 10.0), seed=st.integers(0, 2**16))
def test_loss_identities(n, tau, seed):
    z = views(n, 8, seed)
    r = con.contrastive(z, tau, block=5, gradient=False)
    info, dcl, q_b = r.losses["infonce"], r.losses["dcl"], r.q_b
    assert np.all((q_b >= 0) & (q_b <= 1)) and np.all(dcl <= info)
    np.testing.assert_allclose(q_b, -np.expm1(-info), rtol=1e-12)
    # -log q_B where q_B is representable; an easy positive at tiny τ underflows q_B to 0
    visible = q_b > 1e-300
    atol = 1e-12 * max(1.0, 1 / tau)  # the losses are differences of O(1/τ) logits
    gap = (info - dcl)[visible]
    np.testing.assert_allclose(gap, -np.log(q_b[visible]), rtol=1e-9, atol=atol)
    assert np.all((info - dcl)[~visible] > 600)
    # old lightly - paper DCL = log(S_a S_b / (S_a + S_b)), exp-sums over same / cross views
    s = np.einsum("kid,ljd->kilj", z, z) / tau
    top = s.max()
    e = np.exp(s - top)  # one common shift: logs of the ratios below are shift-free
    same = np.array(
        [[sum(e[k, i, k, j] for j in range(n) if j != i) for i in range(n)] for k in (0, 1)]
    )
    cross = np.array(
        [[sum(e[k, i, 1 - k, j] for j in range(n) if j != i) for i in range(n)] for k in (0, 1)]
    )
    finite = (same > 1e-280) & (cross > 1e-280)  # skip anchors whose sums underflow the shift
    gap = (r.losses["dcl_split"] - dcl)[finite]
    same, cross = same[finite], cross[finite]
    expected = np.log(same) + np.log(cross) - np.log(same + cross) + top
    np.testing.assert_allclose(gap, expected, rtol=1e-9, atol=1e-9 * max(1.0, abs(top)))


def test_dclw_tends_to_dcl_as_sigma_grows():
    z = views(8, 5, seed=9)
    dcl = con.contrastive(z, 0.2, loss="dcl", block=6)
    for detach in (True, False):
        dclw = con.contrastive(z, 0.2, loss="dclw", sigma=1e12, detach_weight=detach, block=6)
        np.testing.assert_allclose(dclw.weights, 1.0, atol=1e-12)
        np.testing.assert_allclose(dclw.loss, dcl.loss, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(dclw.grad, dcl.grad, rtol=1e-9, atol=1e-12)


def test_dclw_conventions_share_the_value_not_the_gradient():
    z = views(16, 8, seed=10, spread=0.8)
    detached = con.contrastive(z, 0.1, loss="dclw", sigma=0.5, detach_weight=True)
    through = con.contrastive(z, 0.1, loss="dclw", sigma=0.5, detach_weight=False)
    np.testing.assert_array_equal(detached.loss, through.loss)
    w = detached.weights
    assert abs(w.mean() - 1) < 1e-14 and np.all(w < 2)
    difference = np.abs(detached.grad - through.grad).max()
    assert difference > 1e-2 * np.abs(detached.grad).max()


def test_dclw_weights_go_negative_for_spread_positives():
    # the DCLW weight 2 - exp(c_i/σ)/mean_j exp(c_j/σ) is negative once exp(c_i/σ) > 2 mean
    rng = np.random.default_rng(11)
    n, d = 64, 32
    base = rng.normal(size=(n, d))
    base /= np.linalg.norm(base, axis=-1, keepdims=True)
    other = rng.normal(size=(n, d))
    other -= np.sum(other * base, axis=-1, keepdims=True) * base
    other /= np.linalg.norm(other, axis=-1, keepdims=True)
    cosine = np.linspace(-1, 1, n)
    second = cosine[:, None] * base + np.sqrt(1 - cosine**2)[:, None] * other
    w = con.contrastive(np.stack([base, second]), 0.1, gradient=False).weights
    assert np.any(w < 0)
    exp_c = np.exp(cosine / 0.5)
    np.testing.assert_array_equal(w < 0, exp_c > 2 * exp_c.mean())


# --------------------------------------------------------------------------------------------
# Stability at small temperature
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", con.LOSSES)
def test_small_temperature_does_not_overflow(dtype, kind):
    tau = 1e-3
    z = views(6, 4, seed=12, spread=0.05).astype(dtype)
    z[0, 1] = z[1, 2]  # a negative identical to another anchor's positive: logit 1/τ
    z = (z / np.linalg.norm(z, axis=-1, keepdims=True)).astype(dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        result = con.contrastive(z, tau, loss=kind, block=4)
    exact = oracle_losses(z.astype(np.float64), tau)
    # float32 logits carry ~ eps * d / τ ≈ 5e-4 absolute error; float64 ~ 1e-12
    atol = 1e-2 if dtype == np.float32 else 1e-8
    np.testing.assert_allclose(result.loss, exact[kind], rtol=1e-5, atol=atol)
    np.testing.assert_allclose(result.q_b, exact["q_b"], rtol=1e-3, atol=1e-6)
    grad = oracle_gradient(z.astype(np.float64), tau, kind)
    assert np.all(np.isfinite(result.grad))
    np.testing.assert_allclose(result.grad, grad, rtol=1e-3, atol=1e-3 * np.abs(grad).max())


def test_an_easy_positive_gives_a_tiny_q_b_without_underflow_to_zero():
    z = views(4, 8, seed=13, spread=0.0)  # identical views: s_p = 1/τ, negatives lower
    r = con.contrastive(z, 0.05, gradient=False)
    exact = oracle_losses(z, 0.05)["q_b"]
    assert np.all(r.q_b > 0)
    np.testing.assert_allclose(r.q_b, exact, rtol=1e-9)


# --------------------------------------------------------------------------------------------
# Peer conventions, each re-implemented naively in the library's own layout
# --------------------------------------------------------------------------------------------


def _lse_rows(x):
    top = x.max(axis=1, keepdims=True)
    return (top + np.log(np.exp(x - top).sum(axis=1, keepdims=True)))[:, 0]


def _off_diagonal(m):
    n = m.shape[0]
    return m[~np.eye(n, dtype=bool)].reshape(n, n - 1)


def _nmf_weights(a, b, sigma):
    c = np.sum(a * b, axis=1) / sigma
    p = np.exp(c - c.max())
    return 2 - a.shape[0] * p / p.sum()


def _two_sided(a, b, tau, sigma, weighted, split):
    """lightly's layout: anchors a, sim_00 = a a^T, sim_01 = a b^T, one direction, mean."""
    sim_00, sim_01 = a @ a.T / tau, a @ b.T / tau
    positive = -np.diag(sim_01) * (_nmf_weights(a, b, sigma) if weighted else 1.0)
    neg_00, neg_01 = _off_diagonal(sim_00), _off_diagonal(sim_01)
    if split:
        negative = _lse_rows(neg_00) + _lse_rows(neg_01)
    else:
        negative = _lse_rows(np.concatenate([neg_00, neg_01], axis=1))
    return np.mean(positive + negative)


def _ntxent_2n(z, tau):
    """Cross-entropy over the 2N x 2N similarity matrix with the diagonal removed."""
    n = z.shape[1]
    flat = np.concatenate([z[0], z[1]])
    sim = flat @ flat.T / tau
    sim[np.eye(2 * n, dtype=bool)] = -np.inf
    target = np.concatenate([np.arange(n, 2 * n), np.arange(n)])
    return np.mean(_lse_rows(sim) - sim[np.arange(2 * n), target])


def _masked_2n(z, tau, sigma, weighted):
    """nidl-style: 2N x 2N similarities, self and positive masked by a huge negative."""
    n = z.shape[1]
    flat = np.concatenate([z[0], z[1]])
    sim = flat @ flat.T / tau
    target = np.concatenate([np.arange(n, 2 * n), np.arange(n)])
    positive = sim[np.arange(2 * n), target].copy()
    masked = sim.copy()
    masked[np.eye(2 * n, dtype=bool)] = -9e15
    masked[np.arange(2 * n), target] = -9e15
    if weighted:
        positive = positive * np.tile(_nmf_weights(z[0], z[1], sigma), 2)
    return np.mean(_lse_rows(masked) - positive)


def test_peer_scalars_match_independent_reimplementations():
    z = views(10, 6, seed=14, spread=0.7)
    tau, sigma = 0.1, 0.5
    r = con.contrastive(z, tau, sigma=sigma, gradient=False)
    z0, z1 = z[0], z[1]
    expected = {}
    for loss, weighted in (("dcl", False), ("dclw", True)):
        one = _two_sided(z0, z1, tau, sigma, weighted, split=False)
        other = _two_sided(z1, z0, tau, sigma, weighted, split=False)
        expected["lightly", loss] = 0.5 * (one + other)
        expected["nidl", loss] = _masked_2n(z, tau, sigma, weighted)
        expected["raminnakhli", loss] = one
        expected["raminnakhli_train", loss] = one + other
        old = _two_sided(z0, z1, tau, sigma, weighted, split=True)
        old += _two_sided(z1, z0, tau, sigma, weighted, split=True)
        expected["lightly_pre_1_5_21", loss] = 0.5 * old
    expected["lightly", "infonce"] = _ntxent_2n(z, tau)
    expected["nidl", "infonce"] = _ntxent_2n(z, tau)
    for (peer, loss), value in expected.items():
        assert float(con.peer_value(r, peer, loss)) == pytest.approx(value, rel=1e-12), (peer, loss)
    # the conventions differ by the stated factors
    assert float(con.peer_value(r, "raminnakhli_train", "dcl")) == pytest.approx(
        2 * float(con.peer_value(r, "lightly", "dcl")), rel=1e-14
    )
    with pytest.raises(ValueError, match="reports"):
        con.peer_value(r, "raminnakhli", "infonce")
    with pytest.raises(ValueError, match="unknown peer"):
        con.peer_value(r, "simclr")


# --------------------------------------------------------------------------------------------
# Validation and bookkeeping
# --------------------------------------------------------------------------------------------


def test_bad_inputs_are_clear_errors():
    z = sphere(3, 2, seed=15)
    holed = z.copy()
    holed[1, 2, 0] = np.nan
    cases = [
        ({"z": z[0]}, "shape \\(\\.\\.\\., 2, N, d\\)"),
        ({"z": np.concatenate([z, z])}, "shape \\(\\.\\.\\., 2, N, d\\)"),
        ({"z": np.zeros((0, *z.shape))}, "holds no problem"),
        ({"tau": np.full((2,), 0.5)}, "batch shape"),
        ({"tau": np.array([0.5, -1.0]), "z": np.stack([z, z])}, "every tau"),
        ({"anchor_weights": np.ones((4, 2, 3))}, "anchor_weights"),
        ({"z": z[:, :1]}, "N >= 2"),
        ({"z": holed}, "non-finite"),
        ({"z": z * 2}, "L2-normalised"),
        ({"tau": 0.0}, "tau"),
        ({"tau": -1.0}, "tau"),
        ({"tau": math.inf}, "tau"),
        ({"sigma": 0.0}, "sigma"),
        ({"sigma": "wide"}, "sigma must be a number"),
        ({"block": 2.5}, "block"),
        ({"loss": "ntxent"}, "unknown loss"),
        ({"block": 0}, "block"),
        ({"anchor_weights": np.ones((3,))}, "anchor_weights"),
        ({"anchor_weights": -np.ones((2, 3))}, "non-negative"),
        ({"z": z.astype(np.int64)}, "real floating"),
    ]
    for change, message in cases:
        arguments = {"z": z, "tau": 0.5} | change
        with pytest.raises(ValueError, match=message):
            con.contrastive(arguments.pop("z"), arguments.pop("tau"), **arguments)
    # free vectors are accepted on request; numpy scalars are numbers; σ = ∞ gives w = 1
    assert con.contrastive(z * 2, 0.5, check_unit=False).grad.shape == z.shape
    r = con.contrastive(z, np.float32(0.5), sigma=math.inf, block=np.int64(2), loss="dclw")
    np.testing.assert_array_equal(r.weights, 1.0)
    np.testing.assert_array_equal(r.loss, r.losses["dcl"])


def test_a_batch_of_problems_equals_one_call_per_problem():
    batch = np.stack(
        [np.stack([views(6, 4, seed=40 + 3 * i + j) for j in range(3)]) for i in range(2)]
    )
    tau = np.array([[0.1, 0.3, 1.0], [0.05, 0.2, 0.5]])
    weights = np.random.default_rng(41).uniform(0, 1, (2, 3, 2, 6))
    for kind, detach in (("infonce", True), ("dcl_split", True), ("dclw", False)):
        together = con.contrastive(
            batch, tau, loss=kind, detach_weight=detach, block=4, anchor_weights=weights
        )
        assert together.grad.shape == batch.shape and together.q_b.shape == (2, 3, 2, 6)
        assert together.mean().shape == (2, 3)
        for i, j in np.ndindex(2, 3):
            alone = con.contrastive(
                batch[i, j],
                tau[i, j],
                loss=kind,
                detach_weight=detach,
                block=4,
                anchor_weights=weights[i, j],
            )
            np.testing.assert_allclose(together.grad[i, j], alone.grad, rtol=1e-12, atol=1e-15)
            for name in con.LOSSES:
                np.testing.assert_allclose(
                    together.losses[name][i, j], alone.losses[name], rtol=1e-12
                )
            np.testing.assert_allclose(together.weights[i, j], alone.weights, rtol=1e-12)
            for peer in ("lightly", "raminnakhli_train"):
                assert float(con.peer_value(together, peer, "dcl")[i, j]) == pytest.approx(
                    float(con.peer_value(alone, peer, "dcl")), rel=1e-12
                )
    # one weight table for the whole batch is broadcast to every problem
    shared = con.contrastive(batch, 0.2, anchor_weights=weights[0, 0], block=4)
    alone = con.contrastive(batch[1, 2], 0.2, anchor_weights=weights[0, 0], block=4)
    np.testing.assert_allclose(shared.grad[1, 2], alone.grad, rtol=1e-12, atol=1e-15)


def test_blockwise_memory_stays_far_below_the_logit_matrix():
    import tracemalloc

    n, d, block = 1024, 16, 64
    z = views(n, d, seed=17)
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        con.contrastive(z, 0.2, block=block)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    logits = (2 * n) ** 2 * 8
    assert peak < logits / 16, (peak, logits)


def test_zero_anchor_weights_and_values_only():
    z = views(5, 3, seed=16)
    none = con.contrastive(z, 0.3, anchor_weights=np.zeros((2, 5)))
    np.testing.assert_array_equal(none.grad, 0.0)
    assert con.contrastive(z, 0.3, gradient=False).grad is None


def test_flop_count_of_the_dense_and_the_tiled_sweeps():
    n, d = 10, 4
    full = 2 * (2 * n) ** 2 * d  # one (2N x 2N) x d product
    assert con.kernel_flops(n, d, block=2 * n) == 3 * full  # logits twice, one update
    assert con.kernel_flops(n, d, block=2 * n, gradient=False) == full
    # tiles: 5 blocks of 2 samples; 15 upper tiles (5 diagonal) of 4x4 anchors
    tile = 2 * 4 * 4 * d
    assert con.kernel_flops(n, d, block=4) == 5 * 3 * tile + 10 * 4 * tile
