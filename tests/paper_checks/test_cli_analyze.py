import json
import subprocess
import sys

import pytest

from paper_checks import cli


def test_analyze_prints_the_theory_table(capsys):
    assert cli.main(["analyze", "max(0, 1 - z)"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("phi(z) = Max(0, 1 - z)")
    for row in ("convex", "differentiable at 0", "calibrated", "Lipschitz", "psi(theta)", "Gamma"):
        assert row in out
    assert "yes, L = 1" in out and "v on [0, 1], 1 beyond" in out
    assert out.rstrip().endswith("(Bartlett-Jordan-McAuliffe)")


def test_analyze_a_negative_control_says_why(capsys):
    assert cli.main(["analyze", "z**2"]) == 0
    out = capsys.readouterr().out
    assert "not calibrated: phi'(0) = 0" in out
    assert "none: T vanishes, no bound" in out


def test_analyze_json(capsys):
    assert cli.main(["analyze", "max(0, 1 - z)", "--bound", "0.5", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["phi"] == "Max(0, 1 - z)"
    assert document["calibrated"]["status"] == "proved symbolically"
    assert document["psi"]["expr"] == "theta"
    assert document["psi_growth"]["gamma_near_zero"] == "linear"
    assert document["bounded_transform"]["expr"] == "theta/2"
    assert document["ensloss_derivative"]["valid"] is True
    assert cli.main(["analyze", "exp(z)", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["lipschitz"]["enclosure"] == ["inf", "inf"]
    assert document["gamma"] is None


def test_analyze_comp_sum(capsys):
    assert cli.main(["analyze", "--comp-sum", "log(1 + u)", "--classes", "4"]) == 0
    out = capsys.readouterr().out
    assert "1 (logistic (cross-entropy))" in out and "Gamma, n = 4" in out
    assert cli.main(["analyze", "--comp-sum", "sqrt(u)"]) == 0
    assert "not a member of the comp-sum family: no transform derived" in capsys.readouterr().out


def test_analyze_plot(tmp_path, capsys):
    path = tmp_path / "hinge.png"
    assert cli.main(["analyze", "max(0, 1 - z)", "--plot", str(path)]) == 0
    assert path.read_bytes().startswith(b"\x89PNG")
    assert f"figure: {path}" in capsys.readouterr().out
    assert cli.main(["analyze", "--comp-sum", "u", "--plot", str(tmp_path / "exp")]) == 0
    assert (tmp_path / "exp.png").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["__import__('os').system('x')"], "attribute access is not allowed"),
        (["open('f')"], "unknown function 'open'"),
        (["z.real"], "attribute access is not allowed"),
        (["z**10**10"], "exceeds 100"),
        (["exp(" * 30 + "z" + ")" * 30], "nests deeper than 20 levels"),
        (["9" * 10000], "longer than 500 characters"),
        (["log(1 + u)"], "unknown name 'u'"),
        (["sqrt(z)"], "sqrt(z) is not at z = -20"),
        (["1/(z - 0.1)"], "is singular at 1/10"),
        (["--comp-sum", "log(u - 1)"], "log(u - 1) is singular at 1"),
        (["z + 1 - z"], "does not depend on z"),
        (["--comp-sum", "u", "--bound", "1"], "--bound applies to binary margin losses only"),
        (["exp(-z)", "--bound", "-1"], "--bound: '-1' is not a positive number"),
        (["exp(-z)", "--bound", "nan"], "--bound: 'nan' is not a positive number"),
        (["--comp-sum", "u", "--classes", "1"], "--classes: '1' is not an integer of at least 2"),
        (["exp(-z)", "--classes", "3"], "--classes applies to --comp-sum only"),
        (["exp(-z)", "--plot", "out.pdf"], "writes a PNG"),
        (["exp(-z)", "--time-limit", "0"], "--time-limit: '0' is not a positive number"),
        (["exp(-z)", "--time-limit", "inf"], "--time-limit: 'inf' is not a positive number"),
        (["log(1 + exp(-z))", "--time-limit", "0.2"], "did not finish within 0.2 s"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, message, capsys):
    assert cli.main(["analyze", *args]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert message in err and "\n" not in err and "Traceback" not in err
    assert captured.out == ""


def test_no_traceback_from_the_installed_command():
    run = subprocess.run(
        [sys.executable, "-m", "paper_checks", "analyze", "().__class__.__bases__[0]"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert run.returncode == 2
    assert run.stderr.strip().count("\n") == 0 and "Traceback" not in run.stderr
