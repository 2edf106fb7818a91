import importlib
import json
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from paper_checks import report
from paper_checks.bibliography import BIBLIOGRAPHY, Reference
from paper_checks.claims import (
    Claim,
    Context,
    Control,
    Method,
    Outcome,
    Provenance,
    Scope,
    Verdict,
    claim_seed,
    jsonable,
    run_claim,
    select,
)
from paper_checks.registry import PAPERS, REGISTRY
from theory.proof import Proof, Status

CONTROLS = (Control("a broken constant", {"constant": 2}),)
REF = Reference("mao2023", "Theorem 1")
RUN = {
    "backend": "numpy",
    "device": "cpu",
    "seed": 1,
    "scale": "quick",
    "duration_s": 1.0,
    "controls": "run",
    "command": "losslab check p",
}


def test_registry_is_well_formed():
    assert len(REGISTRY) >= 15
    assert {c.paper for c in REGISTRY.values()} == set(PAPERS)
    for claim in REGISTRY.values():
        assert claim.id.startswith(claim.paper + ".")
        assert claim.statement and claim.reference.location
        assert isinstance(claim.scope, Scope)
        assert isinstance(claim.provenance, Provenance) and isinstance(claim.method, Method)
        if claim.expected is Verdict.REFUTED:
            assert claim.explanation
        assert claim.controls and all(isinstance(c, Control) for c in claim.controls)
    assert sum(c.paper in ("mao2023", "awasthi2022") for c in REGISTRY.values()) >= 15
    assert any(c.expected is Verdict.REFUTED for c in REGISTRY.values())


def test_a_discrepancy_needs_an_explanation():
    with pytest.raises(ValueError, match="explanation"):
        _claim(check=lambda ctx: None, expected=Verdict.REFUTED)
    with pytest.raises(ValueError, match="paper key"):
        _claim("q.x", check=lambda ctx: None)


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

    claim = _claim("p.broken", check=broken)
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

    claim = _claim("p.ok", check=check, method=Method.SYMBOLIC)
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


def _claim(
    id="p.x",
    *,
    check=_constant_check,
    method=Method.NUMERIC,
    provenance=Provenance.PAPER,
    scope=Scope.GENERAL,
    controls=CONTROLS,
    **options,
):
    """A claim of paper "p" (statement "s", citing REF); the arguments name what differs."""
    return Claim(id, "p", "s", provenance, method, check, REF, scope, controls, **options)


def test_a_claim_needs_a_runtime_control():
    with pytest.raises(ValueError, match="runtime control"):
        Claim(
            "p.x", "p", "s", Provenance.PAPER, Method.NUMERIC, _constant_check, REF, Scope.GENERAL
        )
    with pytest.raises(ValueError, match="override"):
        Control("nothing broken", {})


def test_controls_run_and_are_reported(ctx, tmp_path):
    claim = _claim("p.ok")
    result = run_claim(claim, ctx, None)
    assert result.outcome.verdict is Verdict.VERIFIED and result.as_expected
    (control,) = result.as_dict()["controls"]
    assert control["description"] == "a broken constant"
    assert (control["expected"], control["verdict"], control["as_required"]) == (
        "refuted",
        "refuted",
        True,
    )
    document = report.build([result], run=RUN)
    text = report.markdown(document, tmp_path)
    assert "1/1 as required" in text
    assert "- control: a broken constant: refuted as required" in text
    assert "1/1 as required" in report.table([result])


def test_a_control_that_does_not_flip_makes_the_claim_an_error(ctx):
    blind = Control("a constant the check cannot see", {"constant": 1})
    claim = _claim("p.blind", controls=(blind,))
    result = run_claim(claim, ctx, None)
    assert result.outcome.verdict is Verdict.ERROR and not result.as_expected
    assert "control failed" in result.outcome.summary
    assert "check alone: verified" in result.outcome.summary


def test_a_crashing_control_makes_the_claim_an_error(ctx):
    claim = _claim(controls=(Control("an unknown keyword", {"unknown": 1}),))
    assert run_claim(claim, ctx, None).outcome.verdict is Verdict.ERROR


def test_a_known_discrepancy_needs_a_control_that_verifies(ctx):
    def refuted_unless_fixed(context, fixed=False):
        return _constant_check(context, constant=1 if fixed else 2)

    fixed = (Control("the corrected statement", {"fixed": True}),)
    claim = _claim(
        "p.d",
        check=refuted_unless_fixed,
        controls=fixed,
        expected=Verdict.REFUTED,
        explanation="why",
    )
    result = run_claim(claim, ctx, None)
    assert result.as_expected and result.controls[0].expected is Verdict.VERIFIED


def test_controls_can_be_skipped(ctx):
    blind = (Control("a constant the check cannot see", {"constant": 1}),)
    claim = _claim(controls=blind)
    result = run_claim(claim, ctx, None, controls=False)
    assert result.outcome.verdict is Verdict.VERIFIED
    assert result.controls is None and result.as_dict()["controls"] is None
    assert "skipped" in report.table([result])


def test_every_claim_cites_an_entry_and_a_place_in_it_and_nothing_outside_the_package():
    for claim in REGISTRY.values():
        assert claim.reference.entry in BIBLIOGRAPHY, claim.id
        if claim.provenance is Provenance.DERIVED:
            module, _, name = claim.reference.derived_by.rpartition(".")
            assert callable(getattr(importlib.import_module(module), name)), claim.id
    root = Path(__file__).parents[2]
    packages = ("paper_checks", "theory", "simulations", "figures", "benchmarks")
    for path in (path for package in packages for path in (root / package).rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        cited = set(re.findall(r"\b\w+\.md\b", text)) - {"report.md", "README.md"}
        assert not cited and "shared/research" not in text, (path, cited)


def test_a_derived_claim_names_what_derives_it():
    with pytest.raises(ValueError, match="derives it"):
        _claim(provenance=Provenance.DERIVED)
    with pytest.raises(ValueError, match="unknown bibliography entry"):
        Reference("nobody1999", "Theorem 1")
    with pytest.raises(ValueError, match="location"):
        Reference("mao2023", " ")


def _listing_check(context, constant=1, checked="3 losses: hinge, logistic, exponential"):
    return replace(_constant_check(context, constant), checked=checked)


def test_a_claim_on_instances_must_say_which(ctx):
    claim = _claim(check=_listing_check, scope=Scope.INSTANCES)
    result = run_claim(claim, ctx, None)
    assert result.as_expected and result.as_dict()["checked"].startswith("3 losses")
    silent = _claim(scope=Scope.SAMPLE)
    result = run_claim(silent, ctx, None)
    assert result.outcome.verdict is Verdict.ERROR and "which sample" in result.outcome.summary


def _seeded_check(context, constant=1):
    draw = np.random.default_rng(context.seed).random()
    return replace(_constant_check(context, constant), evidence={"draw": draw})


def test_the_report_says_whether_the_seed_was_used(ctx):
    symbolic = _claim(method=Method.SYMBOLIC)
    seeded = _claim("p.y", check=_seeded_check, method=Method.SIMULATION)
    unused, used = (run_claim(c, ctx, None).as_dict() for c in (symbolic, seeded))
    assert unused["seed_used"] is False and unused["seed"] is None
    assert used["seed_used"] is True and used["seed"]["entropy"] == ctx.root_seed.entropy


def _z_check(context, constant=1):
    z = "z = (later - earlier) / s.e.; positive when it grew"
    return replace(_constant_check(context, constant), evidence={"z": 4.0, "z_convention": z})


def test_the_report_names_its_code_cites_its_sources_and_states_each_convention_once(ctx, tmp_path):
    claims = [
        Claim(
            f"p.{k}",
            "p",
            "s",
            Provenance.PAPER,
            Method.NUMERIC,
            _z_check,
            REF,
            Scope.GENERAL,
            CONTROLS,
        )
        for k in "ab"
    ]
    document = report.build([run_claim(c, ctx, None) for c in claims], run=RUN)
    assert document["source_sha256"] == report.source_state()["source_sha256"]
    assert len(document["source_sha256"]) == 64 and "commit" in document
    assert list(document["bibliography"]) == ["mao2023"]
    (convention,) = document["sign_conventions"]
    assert convention["claims"] == ["p.a", "p.b"]
    assert document["claims"][0]["evidence"]["z_convention"] == "sign convention 1 (report header)"
    text = report.markdown(document, tmp_path)
    assert "## References" in text and BIBLIOGRAPHY["mao2023"].title in text
    assert "1. z = (later - earlier)" in text and "[mao2023] Theorem 1" in text


def test_the_source_hash_follows_the_sources_outside_git(tmp_path):
    for package in report.PACKAGES:
        (tmp_path / package).mkdir()
        (tmp_path / package / "m.py").write_text("x = 1\n")
    first = report.source_state(tmp_path)
    assert first["commit"] is None and first["sources_modified"] is None
    (tmp_path / "theory" / "m.py").write_text("x = 2\n")
    assert report.source_state(tmp_path)["source_sha256"] != first["source_sha256"]
