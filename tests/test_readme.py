"""The README stays true: its claim table matches the registry and its code runs."""

import json
import re
from pathlib import Path

from paper_checks import report
from paper_checks.registry import REGISTRY

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")


ROOT = Path(__file__).parents[1]
QUICK_REPORT = "reports/quick/report.json"


def test_the_generated_parts_are_rendered_from_the_committed_report():
    """The claim table and every number in it come from the committed quick-scale report
    (``python -m paper_checks.report reports/quick/report.json README.md`` renders them)."""
    document = json.loads((ROOT / QUICK_REPORT).read_text(encoding="utf-8"))
    assert report.update_readme(README, document, QUICK_REPORT) == README


def test_the_committed_report_is_of_the_registry_as_it_is():
    """Every registered claim, with its current statement, source, scope and expected verdict,
    all as expected, with every control run."""
    document = json.loads((ROOT / QUICK_REPORT).read_text(encoding="utf-8"))
    assert document["all_as_expected"] and document["controls"] == "run"
    assert document["scale"] == "quick"
    reported = {c["id"]: c for c in document["claims"]}
    assert list(reported) == list(REGISTRY)
    for claim_id, claim in REGISTRY.items():
        row = reported[claim_id]
        assert row["statement"] == claim.statement, claim_id
        assert row["reference"] == claim.reference.as_dict(), claim_id
        assert (row["scope"], row["expected"]) == (str(claim.scope), str(claim.expected)), claim_id
        assert (row["provenance"], row["method"]) == (str(claim.provenance), str(claim.method))


def test_the_python_example_runs(capsys):
    (snippet,) = re.findall(r"## Python API\n\n```python\n(.*?)```", README, re.DOTALL)
    exec(compile(snippet, "README.md", "exec"), {})  # noqa: S102 - running our own README
    assert "proved symbolically" in capsys.readouterr().out


def test_the_figures_it_shows_exist():
    shown = re.findall(r"\]\((reports/quick/figures/[\w.]+\.png)\)", README)
    assert shown
    for path in shown:
        assert (ROOT / path).exists(), path
