import json

import numpy as np
import pytest

from paper_checks import report
from paper_checks.claims import (
    Claim,
    Context,
    Control,
    Method,
    Outcome,
    Provenance,
    Verdict,
    claim_seed,
    jsonable,
    run_claim,
    select,
)
from paper_checks.registry import PAPERS, REGISTRY
from theory.proof import Proof, Status

CONTROLS = (Control("a broken constant", {"constant": 2}),)


def test_registry_is_well_formed():
    assert len(REGISTRY) >= 15
    assert {c.paper for c in REGISTRY.values()} == set(PAPERS)
    for claim in REGISTRY.values():
        assert claim.id.startswith(claim.paper + ".")
        assert claim.statement and claim.source
        assert isinstance(claim.provenance, Provenance) and isinstance(claim.method, Method)
        if claim.expected is Verdict.REFUTED:
            assert claim.explanation
        assert claim.controls and all(isinstance(c, Control) for c in claim.controls)
    assert sum(c.paper in ("mao2023", "awasthi2022") for c in REGISTRY.values()) >= 15
    assert any(c.expected is Verdict.REFUTED for c in REGISTRY.values())


def test_a_discrepancy_needs_an_explanation():
    with pytest.raises(ValueError, match="explanation"):
        Claim(
            "p.x",
            "p",
            "s",
            Provenance.PAPER,
            Method.NUMERIC,
            lambda ctx: None,
            "src",
            controls=CONTROLS,
            expected=Verdict.REFUTED,
        )
    with pytest.raises(ValueError, match="paper key"):
        Claim("q.x", "p", "s", Provenance.PAPER, Method.NUMERIC, lambda ctx: None, "src", CONTROLS)


def test_selection_by_id_and_paper_and_unknown_names():
    by_paper = select(REGISTRY, ["awasthi2022"])
    assert by_paper and all(c.paper == "awasthi2022" for c in by_paper)
    one = select(REGISTRY, ["mao2023.tight_gce"])
    assert [c.id for c in one] == ["mao2023.tight_gce"]
    assert len(select(REGISTRY, [])) == len(REGISTRY)
    with pytest.raises(KeyError, match="nope"):
        select(REGISTRY, ["mao2023", "nope"])


def test_claim_seeds_depend_on_the_id_only():
    a = claim_seed(5, "mao2023.x").generate_state(2)
    np.testing.assert_array_equal(a, claim_seed(5, "mao2023.x").generate_state(2))
    assert not np.array_equal(a, claim_seed(5, "mao2023.y").generate_state(2))
    assert not np.array_equal(a, claim_seed(6, "mao2023.x").generate_state(2))


def test_a_crashing_check_becomes_an_error_verdict(ctx, tmp_path):
    def broken(context):
        raise RuntimeError("boom")

    claim = Claim("p.broken", "p", "s", Provenance.DERIVED, Method.NUMERIC, broken, "src", CONTROLS)
    result = run_claim(claim, ctx, tmp_path)
    assert result.outcome.verdict is Verdict.ERROR
    assert "boom" in result.outcome.summary
    assert not result.as_expected


def test_results_serialise_to_json(ctx, tmp_path):
    def check(context):
        proof = Proof("x", Status.PROVED, "rung")
        return Outcome(
            Verdict.VERIFIED,
            "fine",
            {"a": np.float64(1.5), "p": proof, "arr": np.arange(3), "inf": float("inf")},
            {"value": 0, "why": "exact"},
        )

    claim = Claim("p.ok", "p", "s", Provenance.PAPER, Method.SYMBOLIC, check, "src", CONTROLS)
    document = run_claim(claim, ctx, tmp_path).as_dict()
    text = json.dumps(document)
    assert json.loads(text)["evidence"]["arr"] == [0, 1, 2]
    assert jsonable({"x": (1, 2)}) == {"x": [1, 2]}


def test_context_picks_the_scale():
    quick = Context("quick", None, np.random.SeedSequence(0))
    full = Context("full", None, np.random.SeedSequence(0))
    assert quick.pick(1, 2) == 1 and full.pick(1, 2) == 2


def _constant_check(context, constant=1):
    """Verified for the right constant, refuted for any other."""
    verdict = Verdict.VERIFIED if constant == 1 else Verdict.REFUTED
    return Outcome(verdict, f"constant {constant}", {"constant": constant}, {"value": 0})


def test_a_claim_needs_a_runtime_control():
    with pytest.raises(ValueError, match="runtime control"):
        Claim("p.x", "p", "s", Provenance.PAPER, Method.NUMERIC, _constant_check, "src")
    with pytest.raises(ValueError, match="override"):
        Control("nothing broken", {})


def test_controls_run_and_are_reported(ctx, tmp_path):
    claim = Claim(
        "p.ok", "p", "s", Provenance.PAPER, Method.NUMERIC, _constant_check, "src", CONTROLS
    )
    result = run_claim(claim, ctx, None)
    assert result.outcome.verdict is Verdict.VERIFIED and result.as_expected
    (control,) = result.as_dict()["controls"]
    assert control["description"] == "a broken constant"
    assert (control["expected"], control["verdict"], control["as_required"]) == (
        "refuted",
        "refuted",
        True,
    )
    document = {
        "losslab_version": "x",
        "backend": "numpy",
        "device": "cpu",
        "seed": 1,
        "scale": "quick",
        "duration_s": 1.0,
        "controls": "run",
        "claims": [result.as_dict()],
    }
    text = report.markdown(document, tmp_path)
    assert "1/1 as required" in text
    assert "- control: a broken constant: refuted as required" in text
    assert "1/1 as required" in report.table([result])


def test_a_control_that_does_not_flip_makes_the_claim_an_error(ctx):
    blind = Control("a constant the check cannot see", {"constant": 1})
    claim = Claim(
        "p.blind", "p", "s", Provenance.PAPER, Method.NUMERIC, _constant_check, "src", (blind,)
    )
    result = run_claim(claim, ctx, None)
    assert result.outcome.verdict is Verdict.ERROR and not result.as_expected
    assert "control failed" in result.outcome.summary
    assert "check alone: verified" in result.outcome.summary


def test_a_crashing_control_makes_the_claim_an_error(ctx):
    claim = Claim(
        "p.x",
        "p",
        "s",
        Provenance.PAPER,
        Method.NUMERIC,
        _constant_check,
        "src",
        (Control("an unknown keyword", {"unknown": 1}),),
    )
    assert run_claim(claim, ctx, None).outcome.verdict is Verdict.ERROR


def test_a_known_discrepancy_needs_a_control_that_verifies(ctx):
    def refuted_unless_fixed(context, fixed=False):
        return _constant_check(context, constant=1 if fixed else 2)

    fixed = (Control("the corrected statement", {"fixed": True}),)
    claim = Claim(
        "p.d",
        "p",
        "s",
        Provenance.PAPER,
        Method.NUMERIC,
        refuted_unless_fixed,
        "src",
        fixed,
        expected=Verdict.REFUTED,
        explanation="why",
    )
    result = run_claim(claim, ctx, None)
    assert result.as_expected and result.controls[0].expected is Verdict.VERIFIED


def test_controls_can_be_skipped(ctx):
    blind = (Control("a constant the check cannot see", {"constant": 1}),)
    claim = Claim("p.x", "p", "s", Provenance.PAPER, Method.NUMERIC, _constant_check, "src", blind)
    result = run_claim(claim, ctx, None, controls=False)
    assert result.outcome.verdict is Verdict.VERIFIED
    assert result.controls is None and result.as_dict()["controls"] is None
    assert "skipped" in report.table([result])
