"""The naive contrastive reference against the definitions written out by hand in float64."""

import numpy as np

from theory import contrastive_reference as reference

TAU, SIGMA = 0.5, 1.0


def _batch():
    rng = np.random.default_rng(11)
    z = rng.normal(size=(2, 2, 3))
    return z / np.linalg.norm(z, axis=-1, keepdims=True)


def _hand_losses(z: np.ndarray) -> dict[str, np.ndarray]:
    """Per anchor (k, i) of a two-sample batch: InfoNCE and DCL (Yeh et al. 2022, Eq. 1-2 and 6) by hand."""
    out = {"infonce": np.empty((2, 2)), "dcl": np.empty((2, 2))}
    for k in range(2):
        for i in range(2):
            positive = z[k, i] @ z[1 - k, i]
            negatives = np.array([z[k, i] @ z[v, 1 - i] for v in range(2)])
            decoupled = np.log(np.sum(np.exp(negatives / TAU)))
            coupled = np.log(np.exp(positive / TAU) + np.sum(np.exp(negatives / TAU)))
            out["dcl"][k, i] = -positive / TAU + decoupled
            out["infonce"][k, i] = -positive / TAU + coupled
    return out


def test_values_and_gradients_match_the_definitions_by_hand():
    z = _batch()
    nested = tuple(tuple(tuple(row) for row in view) for view in z.tolist())
    found = reference.batch_reference(nested, TAU, SIGMA)
    hand = _hand_losses(z)
    for name in ("infonce", "dcl"):
        np.testing.assert_allclose(found[name], hand[name], rtol=1e-13)
        step, grad = 1e-6, np.empty_like(z)
        for index in np.ndindex(z.shape):
            moved = [z.copy(), z.copy()]
            moved[0][index] += step
            moved[1][index] -= step
            up, down = (_hand_losses(m)[name].mean() for m in moved)
            grad[index] = (up - down) / (2 * step)
        # central difference in float64: truncation ~ step^2, rounding ~ eps/step ~ 1e-10
        np.testing.assert_allclose(found[f"grad {name}"], grad, atol=1e-8)
    assert np.all((found["q_b"] > 0) & (found["q_b"] < 1))
