import json

import numpy as np
import pytest

from paper_checks.claims import (
    Claim,
    Context,
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


def test_registry_is_well_formed():
    assert len(REGISTRY) >= 15
    assert {c.paper for c in REGISTRY.values()} == set(PAPERS)
    for claim in REGISTRY.values():
        assert claim.id.startswith(claim.paper + ".")
        assert claim.statement and claim.source
        assert isinstance(claim.provenance, Provenance) and isinstance(claim.method, Method)
        if claim.expected is Verdict.REFUTED:
            assert claim.explanation
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
            expected=Verdict.REFUTED,
        )
    with pytest.raises(ValueError, match="paper key"):
        Claim("q.x", "p", "s", Provenance.PAPER, Method.NUMERIC, lambda ctx: None, "src")


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

    claim = Claim("p.broken", "p", "s", Provenance.DERIVED, Method.NUMERIC, broken, "src")
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

    claim = Claim("p.ok", "p", "s", Provenance.PAPER, Method.SYMBOLIC, check, "src")
    document = run_claim(claim, ctx, tmp_path).as_dict()
    text = json.dumps(document)
    assert json.loads(text)["evidence"]["arr"] == [0, 1, 2]
    assert jsonable({"x": (1, 2)}) == {"x": [1, 2]}


def test_context_picks_the_scale():
    quick = Context("quick", None, np.random.SeedSequence(0))
    full = Context("full", None, np.random.SeedSequence(0))
    assert quick.pick(1, 2) == 1 and full.pick(1, 2) == 2
