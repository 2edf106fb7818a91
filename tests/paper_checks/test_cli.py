import json
import math
import os
import stat
import subprocess
import sys
import time

import pytest
from distributed import Client

from paper_checks import cli
from paper_checks.registry import PAPERS, REGISTRY

FAST = ["mao2023.family_identities", "mao2023.tight_gce", "mao2023.tight_up_to_logistic"]
REPORT_KEYS = {
    "losslab_version",
    "commit",
    "sources_modified",
    "source_sha256",
    "command",
    "backend",
    "device",
    "seed",
    "scale",
    "duration_s",
    "sign_conventions",
    "bibliography",
    "claims",
}
CLAIM_KEYS = {
    "id",
    "paper",
    "statement",
    "provenance",
    "method",
    "reference",
    "scope",
    "checked",
    "verdict",
    "expected",
    "evidence",
    "seed",
    "seed_used",
    "tolerance",
    "duration_s",
    "figures",
    "controls",
}


def test_list_prints_every_claim(capsys):
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    assert all(claim_id in out for claim_id in REGISTRY)
    assert cli.main(["list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == len(REGISTRY)


def test_check_writes_a_complete_report(tmp_path, capsys):
    out = tmp_path / "report"
    code = cli.main(["check", *FAST, "--out", str(out), "--backend", "numpy", "--seed", "3"])
    assert code == 0
    document = json.loads((out / "report.json").read_text())
    assert set(document) >= REPORT_KEYS
    assert document["backend"] == "numpy" and document["seed"] == 3 and document["scale"] == "quick"
    assert [c["id"] for c in document["claims"]] == [i for i in REGISTRY if i in FAST]
    assert document["controls"] == "run"
    for claim in document["claims"]:
        assert set(claim) >= CLAIM_KEYS
        assert claim["verdict"] == claim["expected"]
        assert claim["controls"] and all(c["as_required"] for c in claim["controls"])
        assert {c["verdict"] for c in claim["controls"]} == {
            "refuted" if claim["expected"] == "verified" else "verified"
        }
    figures = [f for c in document["claims"] for f in c["figures"]]
    assert figures and all(os.path.exists(f) for f in figures)
    markdown = (out / "report.md").read_text()
    assert "mao2023.tight_gce" in markdown and "what the evidence contradicts" in markdown
    assert document["commit"] and len(document["source_sha256"]) == 64
    assert document["command"].startswith("losslab check")
    assert set(document["bibliography"]) == {"mao2023"} and "## References" in markdown
    assert all(c["reference"]["entry"] == "mao2023" and c["scope"] for c in document["claims"])
    assert "- control: " in markdown and "verified as required" in markdown
    assert "refuted as required" in markdown
    assert "3/3 claims as expected" in capsys.readouterr().out


def test_no_controls_skips_them_and_says_so(tmp_path, capsys):
    out = tmp_path / "report"
    assert cli.main(["check", FAST[0], "--no-controls", "--out", str(out)]) == 0
    document = json.loads((out / "report.json").read_text())
    assert document["controls"] == "skipped"
    assert document["claims"][0]["controls"] is None
    assert "controls skipped" in (out / "report.md").read_text()
    assert "skipped" in capsys.readouterr().out


def test_a_run_cut_short_leaves_no_older_report_behind(tmp_path, monkeypatch):
    (tmp_path / "report.json").write_text('{"all_as_expected": true}')
    (tmp_path / "report.md").write_text("stale")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_run", interrupted)
    with pytest.raises(KeyboardInterrupt):
        cli.main(["check", "mao2023.tight_gce", "--out", str(tmp_path)])
    assert not (tmp_path / "report.json").exists() and not (tmp_path / "report.md").exists()


def test_a_mismatch_exits_1(tmp_path, monkeypatch):
    from paper_checks.claims import Verdict

    claim = REGISTRY["mao2023.tight_gce"]
    monkeypatch.setitem(
        REGISTRY, claim.id, type(claim)(**{**claim.__dict__, "expected": Verdict.VERIFIED})
    )
    assert cli.main(["check", claim.id, "--out", str(tmp_path)]) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "nonexistent.claim"], "unknown claim id or paper key"),
        (["check", "mao2023.tight_gce", "--backend", "cupy"], "cupy"),
    ],
)
def test_usage_errors_exit_2_with_one_line(args, message, tmp_path, capsys):
    if "cupy" in args and cli.backends.cuda_device()[0] is not None:
        pytest.skip("a CUDA device is present")
    assert cli.main([*args, "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err
    assert not (tmp_path / "x" / "report.json").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "--scale", "huge"], "invalid choice: 'huge'"),
        (["check", "--seed", "-1"], "--seed: '-1' is not a non-negative integer"),
        (["check", "--seed", "1.5"], "--seed: '1.5' is not a non-negative integer"),
        (["figures", "--seed", "x"], "--seed: 'x' is not a non-negative integer"),
        (["list", "nonexistent"], "unknown claim id or paper key"),
    ],
)
def test_invalid_options_exit_2_with_one_line(args, message, capsys):
    assert cli.main(args) == 2
    captured = capsys.readouterr()
    assert message in captured.err and captured.err.strip().count("\n") == 0
    assert "Traceback" not in captured.err and captured.out == ""


def test_help_names_the_papers_and_the_default_seed_without_loading_them(capsys):
    assert cli.main(["check", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert all(paper in text for paper in cli.PAPER_KEYS)
    assert f"default {cli.DEFAULT_SEED}" in text
    assert tuple(PAPERS) == cli.PAPER_KEYS
    done = subprocess.run(
        [sys.executable, "-c", "import sys, paper_checks.cli; print(sorted(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert not [paper for paper in cli.PAPER_KEYS if f"'paper_checks.{paper}'" in done.stdout]


def test_list_filters_by_paper_and_claim(capsys):
    assert cli.main(["list", "bartlett2006", "mao2023.tight_gce", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    wanted = [c.id for c in REGISTRY.values() if c.paper == "bartlett2006"] + ["mao2023.tight_gce"]
    assert sorted(r["id"] for r in rows) == sorted(wanted)


def test_report_files_follow_the_umask(tmp_path):
    previous = os.umask(0o027)
    try:
        assert (
            cli.main(["check", "mao2023.tight_gce", "--out", str(tmp_path), "--no-controls"]) == 0
        )
    finally:
        os.umask(previous)
    for name in ("report.json", "report.md"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o640


def test_unwritable_output_exits_2(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert cli.main(["check", "mao2023.tight_gce", "--out", str(blocker / "sub")]) == 2
    assert "cannot write" in capsys.readouterr().err


def test_figures_command(tmp_path, capsys):
    assert cli.main(["figures", "mao2023.tight_gce", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "mao2023.tight_gce.png").exists()


def test_python_dash_m_entry_point():
    done = subprocess.run(
        [sys.executable, "-m", "paper_checks", "list"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and "mao2023.bound_valid_pointwise" in done.stdout


@pytest.mark.slow
def test_the_whole_registry_at_quick_scale_is_as_expected(tmp_path):
    assert cli.main(["check", "--out", str(tmp_path), "--backend", "numpy"]) == 0


def test_scheduler_without_the_dask_executor_exits_2(tmp_path, capsys):
    args = ["check", "mao2023.tight_gce", "--scheduler", "tcp://127.0.0.1:8786"]
    assert cli.main([*args, "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err.strip()
    assert "--scheduler needs --executor dask" in err and "\n" not in err
    assert not (tmp_path / "x").exists()


def test_an_unreachable_scheduler_exits_2(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(cli.sweeps.Dask.__init__, "__defaults__", (None, 2, 0.5))
    args = ["check", "mao2023.tight_gce", "--executor", "dask", "--scheduler", "tcp://127.0.0.1:1"]
    assert cli.main([*args, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "cannot start the dask executor on tcp://127.0.0.1:1" in err and "\n" not in err
    assert not (tmp_path / "report.json").exists()


def test_the_report_records_executor_and_cache(tmp_path):
    cache = tmp_path / "cache"
    args = ["check", "mao2023.tight_gce", "--executor", "process", "--cache", str(cache)]
    assert cli.main([*args, "--out", str(tmp_path / "report")]) == 0
    document = json.loads((tmp_path / "report" / "report.json").read_text())
    assert document["executor"] == "process" and document["cache"] == str(cache)
    assert cache.is_dir()


def _wait_for(condition, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not appear within {seconds} s")
        time.sleep(0.1)


@pytest.fixture
def remote_scheduler(tmp_path):
    """A Dask scheduler and two single-thread workers started as separate processes by the
    ``dask`` command line, as on a cluster; yields the scheduler's tcp:// address."""
    info = tmp_path / "scheduler.json"
    dask = [sys.executable, "-m", "dask"]
    server = ["--no-dashboard", "--scheduler-file", str(info)]
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    processes = [
        subprocess.Popen(
            [*dask, "scheduler", "--host", "127.0.0.1", "--port", "0", *server],
            **quiet,
        )
    ]
    try:
        _wait_for(info.exists, "the scheduler file")
        processes.append(
            subprocess.Popen(
                [*dask, "worker", "--nworkers", "2", "--nthreads", "1", *server],
                **quiet,
            )
        )
        address = json.loads(info.read_text())["address"]
        with Client(address, timeout=30) as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for process in processes[::-1]:
            process.terminate()
            process.wait(timeout=30)


def test_check_runs_end_to_end_on_a_remote_scheduler(remote_scheduler, tmp_path):
    """``--executor dask --scheduler tcp://...`` against scheduler and worker processes of the
    ``dask`` command line gives the serial run's verdicts and evidence (the workers use one
    BLAS thread, so floats are compared to 1e-9 rather than bit for bit)."""
    claim, cache = "yeh2022.small_batch_learning_speed", tmp_path / "cache"
    remote = ["--executor", "dask", "--scheduler", remote_scheduler, "--cache", str(cache)]
    assert cli.main(["check", claim, "--out", str(tmp_path / "dask"), *remote]) == 0
    assert cli.main(["check", claim, "--out", str(tmp_path / "serial")]) == 0
    dask_report, serial_report = (
        json.loads((tmp_path / name / "report.json").read_text()) for name in ("dask", "serial")
    )
    assert dask_report["executor"] == "dask" and any(cache.glob("*.npz"))
    with Client(remote_scheduler, timeout=30) as client:
        ran = client.run_on_scheduler(lambda dask_scheduler: list(dask_scheduler.task_prefixes))
    assert "compute" in ran  # the cells ran on the remote workers (sweeps.compute)
    (dask_claim,), (serial_claim,) = dask_report["claims"], serial_report["claims"]
    assert dask_claim["verdict"] == serial_claim["verdict"] == "verified"
    assert _close(dask_claim["evidence"], serial_claim["evidence"])


def _close(a, b) -> bool:
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))
    if isinstance(a, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b
