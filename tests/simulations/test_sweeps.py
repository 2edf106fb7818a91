"""Sweeps (``simulations.sweeps``): keys, the store's commit protocol, resume after SIGKILL, and
executors that agree bit for bit."""

import math
import os
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pytest

from simulations import sample_complexity as sc
from simulations import sweeps
from simulations.backend import select
from theory import gaussian_classes as theory

CALLS: list[int] = []


@dataclass(frozen=True)
class Toy:
    value: int
    label: str = "toy"


def counting_task(config: Toy, seed: np.random.SeedSequence) -> sweeps.Result:
    CALLS.append(config.value)
    draws = np.random.default_rng(seed).standard_normal(3)
    return {"draws": draws, "mean": float(draws.mean()), "value": config.value}


def _cells(count: int) -> list[sweeps.Cell]:
    return [sweeps.Cell(Toy(i), np.random.SeedSequence(5, spawn_key=(i,))) for i in range(count)]


@pytest.fixture(autouse=True)
def _no_calls():
    CALLS.clear()


def test_rerunning_a_finished_sweep_computes_nothing(tmp_path):
    store = sweeps.Store(tmp_path)
    cells = _cells(4)
    first = sweeps.run_sweep(counting_task, [*cells, cells[1]], store)
    assert sorted(CALLS) == [0, 1, 2, 3]  # the repeated cell is computed once
    CALLS.clear()
    again = sweeps.run_sweep(counting_task, [*cells, cells[1]], store)
    assert CALLS == []
    assert sweeps.first_difference(first, again) is None
    assert (
        sweeps.first_difference(first, sweeps.run_sweep(counting_task, [*cells, cells[1]])) is None
    )
    assert len(list(tmp_path.glob("*.json"))) == len(list(tmp_path.glob("*.npz"))) == 4


def _damage(store: sweeps.Store, key: str, how: str) -> None:
    npz, sidecar = store.paths(key)
    if how == "corrupt npz":
        data = bytearray(npz.read_bytes())
        data[len(data) // 2] ^= 0xFF
        npz.write_bytes(bytes(data))
    elif how == "truncated npz":
        npz.write_bytes(npz.read_bytes()[:100])
    elif how == "truncated sidecar":
        sidecar.write_text(sidecar.read_text()[:40])
    elif how == "npz without sidecar":
        sidecar.unlink()


DAMAGE = ["corrupt npz", "truncated npz", "truncated sidecar", "npz without sidecar"]


def test_a_damaged_cell_is_detected_deleted_and_recomputed(tmp_path, caplog):
    store = sweeps.Store(tmp_path)
    cells = _cells(len(DAMAGE) + 1)
    first = sweeps.run_sweep(counting_task, cells, store)
    for cell, how in zip(cells, DAMAGE):
        _damage(store, sweeps.cell_key(counting_task, cell), how)
    CALLS.clear()
    again = sweeps.run_sweep(counting_task, cells, store)
    assert sorted(CALLS) == list(range(len(DAMAGE)))  # the undamaged last cell is reused
    assert sweeps.first_difference(first, again) is None
    assert caplog.text.count("discarding cell") == len(DAMAGE)
    CALLS.clear()
    sweeps.run_sweep(counting_task, cells, store)
    assert CALLS == []


def test_the_key_changes_with_config_seed_and_code_version(tmp_path, monkeypatch):
    cell = _cells(1)[0]
    key = sweeps.cell_key(counting_task, cell)
    assert key == sweeps.cell_key(counting_task, sweeps.Cell(Toy(0), cell.seed))
    others = [
        sweeps.Cell(Toy(1), cell.seed),
        sweeps.Cell(Toy(0, "other"), cell.seed),
        sweeps.Cell(cell.config, np.random.SeedSequence(6, spawn_key=(0,))),
        sweeps.Cell(cell.config, np.random.SeedSequence(5, spawn_key=(1,))),
        sweeps.Cell(cell.config, np.random.SeedSequence(5, spawn_key=(0, 0))),
    ]
    keys = {sweeps.cell_key(counting_task, other) for other in others}
    assert key not in keys and len(keys) == len(others)

    monkeypatch.setattr(sweeps.metadata, "version", lambda name: "99.0")
    assert sweeps.cell_key(counting_task, cell) != key
    monkeypatch.undo()

    module = tmp_path / "sweep_task_module.py"
    module.write_text("def task(config, seed):\n    return {'x': 1}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    from sweep_task_module import task

    before = sweeps.cell_key(task, cell)
    module.write_text(module.read_text() + "# an edit\n")
    assert sweeps.cell_key(task, cell) != before


def test_arrays_in_a_config_are_keyed_by_content():
    law = theory.paper_design(n_classes=2, n_features=4)
    config = sc.CurvesConfig.of(law, select("numpy"), (4, 8), 2, 0.5)
    seed = np.random.SeedSequence(1)
    key = sweeps.cell_key(sc.curves_task, sweeps.Cell(config, seed))
    copy = replace(config, means=law.means.copy())
    assert sweeps.cell_key(sc.curves_task, sweeps.Cell(copy, seed)) == key
    moved = replace(config, means=law.means + 1e-12)
    assert sweeps.cell_key(sc.curves_task, sweeps.Cell(moved, seed)) != key


@dataclass
class Mutable:
    value: int


@dataclass(frozen=True)
class Opaque:
    value: object


def test_bad_tasks_configs_and_results_are_refused(tmp_path):
    seed = np.random.SeedSequence(0)
    with pytest.raises(TypeError, match="importable top-level"):
        sweeps.cell_key(lambda config, seed: {}, sweeps.Cell(Toy(0), seed))
    with pytest.raises(TypeError, match="frozen"):
        sweeps.cell_key(counting_task, sweeps.Cell(Mutable(0), seed))
    with pytest.raises(TypeError, match="value of type object"):
        sweeps.cell_key(counting_task, sweeps.Cell(Opaque(object()), seed))
    with pytest.raises(TypeError, match="cannot be stored"):
        sweeps.compute(lambda config, seed: {"x": [1, 2]}, Toy(0), seed)


KILL_SCRIPT = """
import sys
import time
from dataclasses import dataclass

import numpy as np

from simulations.sweeps import Cell, Store, run_sweep


@dataclass(frozen=True)
class Step:
    index: int


def slow(config, seed):
    with open(sys.argv[2], "a") as log:
        log.write(f"{config.index}\\n")
    time.sleep(0.15)
    return {"index": config.index, "draws": np.random.default_rng(seed).standard_normal(4)}


if __name__ == "__main__":
    cells = [Cell(Step(i), np.random.SeedSequence(9, spawn_key=(i,))) for i in range(12)]
    run_sweep(slow, cells, Store(sys.argv[1]))
"""


def test_a_sweep_killed_mid_run_resumes_and_loses_no_committed_cell(tmp_path):
    script, store = tmp_path / "sweep.py", tmp_path / "store"
    script.write_text(textwrap.dedent(KILL_SCRIPT))
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    run = subprocess.Popen([sys.executable, str(script), str(store), str(first_log)], env=env)
    deadline = time.monotonic() + 30
    while len(list(store.glob("*.json"))) < 4 and time.monotonic() < deadline:
        time.sleep(0.02)
    run.send_signal(signal.SIGKILL)
    run.wait()
    assert run.returncode == -signal.SIGKILL
    committed = {p.stem: p.with_suffix(".npz").read_bytes() for p in store.glob("*.json")}
    assert 4 <= len(committed) < 12

    subprocess.run([sys.executable, str(script), str(store), str(second_log)], env=env, check=True)
    recomputed = second_log.read_text().split()
    assert len(recomputed) == 12 - len(committed)
    assert recomputed == [str(i) for i in range(len(committed), 12)]  # serial: cells in order
    for key, data in committed.items():
        assert (store / f"{key}.npz").read_bytes() == data
    assert len(list(store.glob("*.json"))) == len(list(store.glob("*.npz"))) == 12
    assert not list(store.glob(".*.tmp"))  # whatever the kill left mid-write is gone


def test_opening_a_store_removes_only_the_temporaries_of_dead_writers(tmp_path, monkeypatch):
    written = []
    replace_file = os.replace
    monkeypatch.setattr(
        sweeps.os,
        "replace",
        lambda source, target: (written.append(source), replace_file(source, target)),
    )
    sweeps.run_sweep(counting_task, _cells(1), sweeps.Store(tmp_path))
    assert written and all(sweeps.TEMPORARY.fullmatch(Path(name).name) for name in written)

    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], check=True, capture_output=True
    )
    dead = int(finished.stdout)
    host = sweeps._host()
    names = {
        "orphan": f".{'a' * 64}.npz.{host}.{dead}.k3x_9.tmp",
        "live": f".{'b' * 64}.json.{host}.{os.getpid()}.q1.tmp",
        "other_host": f".{'c' * 64}.npz.elsewhere.{dead}.r2.tmp",
        "not_ours": ".notes.tmp",
    }
    for name in names.values():
        (tmp_path / name).write_bytes(b"partial")
    sweeps.Store(tmp_path)
    assert sorted(p.name for p in tmp_path.glob(".*.tmp")) == sorted(
        names[k] for k in ("live", "other_host", "not_ours")
    )


@pytest.fixture(scope="module")
def curve_cells() -> list[sweeps.Cell]:
    numpy = select("numpy")
    law = theory.block_correlated_design(n_classes=2, n_features=8, rng=np.random.SeedSequence(3))
    config = sc.CurvesConfig.of(law, numpy, sc.size_grid(4, 64, 2), 4, 0.5)
    return [sweeps.Cell(config, np.random.SeedSequence(11, spawn_key=(i,))) for i in range(3)]


@pytest.fixture(scope="module")
def serial_curves(curve_cells) -> list[sweeps.Result]:
    return sweeps.run_sweep(sc.curves_task, curve_cells)


def test_the_curves_adapter_round_trips(curve_cells, serial_curves, tmp_path):
    direct = sc.learning_curves(
        theory.GaussianClasses(
            curve_cells[0].config.means,
            curve_cells[0].config.covariance,
            curve_cells[0].config.priors,
        ),
        select("numpy"),
        curve_cells[0].seed,
        curve_cells[0].config.sizes,
        4,
        0.5,
    )
    assert sweeps.first_difference([direct.as_result()], serial_curves[:1]) is None
    stored = sweeps.run_sweep(sc.curves_task, curve_cells, sweeps.Store(tmp_path))
    reread = sweeps.run_sweep(sc.curves_task, curve_cells, sweeps.Store(tmp_path))
    assert sweeps.first_difference(serial_curves, reread) is None
    assert sweeps.first_difference(stored, reread) is None
    back = sc.LearningCurves.from_result(reread[0])
    assert back.newton_iterations == direct.newton_iterations
    assert back.bayes_error == direct.bayes_error and back.C == direct.C


def test_a_process_pool_equals_the_serial_run_bit_for_bit(curve_cells, serial_curves):
    with sweeps.ProcessPool(workers=2) as pool:
        assert (
            sweeps.first_difference(
                sweeps.run_sweep(sc.curves_task, curve_cells, executor=pool), serial_curves
            )
            is None
        )


def test_dask_on_a_local_cluster_equals_the_serial_run_bit_for_bit(
    curve_cells, serial_curves, tmp_path
):
    from distributed import LocalCluster

    with LocalCluster(
        processes=True,
        n_workers=2,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        with sweeps.Dask(cluster.scheduler_address) as dask:
            store = sweeps.Store(tmp_path)
            results = sweeps.run_sweep(sc.curves_task, curve_cells, store, dask)
        assert sweeps.first_difference(results, serial_curves) is None
        assert (
            sweeps.first_difference(
                sweeps.run_sweep(sc.curves_task, curve_cells, store), serial_curves
            )
            is None
        )


def test_an_unreachable_scheduler_raises_os_error():
    with pytest.raises(OSError, match="Timed out"):
        sweeps.Dask("tcp://127.0.0.1:1", timeout=0.5)


def test_make_executor_refuses_bad_combinations():
    with pytest.raises(ValueError, match="dask executor"):
        sweeps.make_executor("process", "tcp://127.0.0.1:8786")
    with pytest.raises(ValueError, match="unknown executor"):
        sweeps.make_executor("threads")
    assert isinstance(sweeps.make_executor("serial"), sweeps.Serial)


def test_first_difference_names_the_first_cell_and_field_that_differ():
    base = [{"a": np.arange(3.0), "b": 1.5, "n": 2}, {"a": np.zeros(2), "b": math.nan, "n": 1}]
    assert sweeps.first_difference(base, [dict(r) for r in base]) is None  # NaN equals NaN
    changed = [base[0], {**base[1], "a": np.array([0.0, 5e-324])}]
    assert sweeps.first_difference(base, changed).startswith("cell 1, field a")
    retyped = [base[0], {**base[1], "n": 1.0}]
    assert sweeps.first_difference(base, retyped).startswith("cell 1, field n")
    narrower = [{**base[0], "a": np.arange(3, dtype=np.float32)}, base[1]]
    assert sweeps.first_difference(base, narrower).startswith("cell 0, field a")
    assert sweeps.first_difference(base, base[:1]) == "2 results against 1"
    assert sweeps.first_difference(base, [{"a": base[0]["a"]}, base[1]]).startswith(
        "cell 0: fields"
    )
