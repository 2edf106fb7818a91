import math

import numpy as np
import pytest

from simulations import datasets
from simulations.backend import select, to_numpy

BETA = np.full(10, 2 / math.sqrt(10))


def test_linear_rule_risk_agrees_with_monte_carlo():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1_000_000, 10))
    eta = 1 / (1 + np.exp(-x @ BETA))
    for w, b in ((BETA + 0.3 * rng.normal(size=10), 0.2), (rng.normal(size=10), -0.5), (BETA, 0.0)):
        loss = np.where(x @ w + b >= 0, 1 - eta, eta)
        error = loss.std() / math.sqrt(loss.size)
        assert abs(datasets.linear_rule_risk(w, b, BETA) - loss.mean()) < 5 * error  # CLT
    assert datasets.linear_rule_risk(BETA, 0.0, BETA) == pytest.approx(
        datasets.bayes_risk(BETA), abs=1e-12
    )
    assert datasets.linear_rule_risk(np.zeros(10), 1.0, BETA) == pytest.approx(0.5, abs=1e-12)


def test_logistic_design_labels_follow_the_model(seed):
    backend = select("numpy")
    data = datasets.logistic_design(backend.rng(seed), 200_000, BETA)
    x, y = to_numpy(data["x_train"]), to_numpy(data["y_train"])
    assert set(np.unique(y)) == {-1.0, 1.0}
    eta = 1 / (1 + np.exp(-x @ BETA))
    assert abs(np.mean(y == 1) - eta.mean()) < 5 * math.sqrt(0.25 / y.size)


def test_random_features_task_shapes(backend, seed):
    data = datasets.random_features_task(backend.rng(seed), 30, 20, dim=5, features=40)
    assert data["x_train"].shape == (30, 40) and data["x_test"].shape == (20, 40)
    train = to_numpy(data["x_train"])
    np.testing.assert_allclose(train.mean(0), 0, atol=1e-12)


def test_offline_stand_ins():
    tasks = datasets.offline_stand_ins(select("numpy"), 0, digit_pairs=3, features=300)
    assert list(tasks) == ["breast_cancer", "digits_0v1", "digits_1v8", "digits_4v5", "p>>n"]
    for data in tasks.values():
        assert set(np.unique(data["y_train"])) == {-1.0, 1.0}
        np.testing.assert_allclose(data["x_train"].mean(0), 0, atol=1e-9)
    assert tasks["p>>n"]["x_train"].shape == (420, 300)
    assert len(datasets.offline_stand_ins(select("numpy"), 0, digit_pairs=45, features=100)) == 47
