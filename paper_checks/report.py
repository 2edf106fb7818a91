"""Write a checking run as ``report.json`` and ``report.md`` (atomically) and print its table."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from paper_checks.bibliography import BIBLIOGRAPHY
from paper_checks.claims import Result
from simulations.sweeps import write_atomically


def losslab_version() -> str:
    try:
        return metadata.version("losslab")
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"


PACKAGES = ("theory", "simulations", "paper_checks", "figures")
ROOT = Path(__file__).resolve().parents[1]


def source_state(root: Path = ROOT) -> dict[str, Any]:
    """What code produced a report: the git commit of ``root`` and whether the package sources
    differ from it (None outside a git checkout), and the SHA-256 of the package sources (every
    ``.py`` file of :data:`PACKAGES`, by relative path), which identifies them with or without
    git."""
    digest = hashlib.sha256()
    for path in sorted(p for package in PACKAGES for p in (root / package).rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", "-C", str(root), *args],
                check=False,
                capture_output=True,
                text=True,
                timeout=30,
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    changed = None if commit is None else git("status", "--porcelain", "--", *PACKAGES)
    return {
        "commit": commit,
        "sources_modified": None if changed is None else bool(changed),
        "source_sha256": digest.hexdigest(),
    }


def _conventions(claims: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Move each claim's ``z_convention`` into one list for the report header, leaving in the
    evidence the number of its entry there: every sign convention is stated once."""
    found: list[dict[str, Any]] = []
    for c in claims:
        text = c["evidence"].get("z_convention")
        if not isinstance(text, str):
            continue
        entry = next((e for e in found if e["convention"] == text), None)
        if entry is None:
            entry = {"number": len(found) + 1, "convention": text, "claims": []}
            found.append(entry)
        entry["claims"].append(c["id"])
        c["evidence"]["z_convention"] = f"sign convention {entry['number']} (report header)"
    return found


def build(results: list[Result], *, run: dict[str, Any]) -> dict[str, Any]:
    """The report.json document."""
    claims = [r.as_dict() for r in results]
    cited = sorted({r.claim.reference.entry for r in results})
    return {
        "losslab_version": losslab_version(),
        **source_state(),
        **run,
        "all_as_expected": all(r.as_expected for r in results),
        "sign_conventions": _conventions(claims),
        "bibliography": {
            key: {
                **BIBLIOGRAPHY[key].as_dict(),
                "short": BIBLIOGRAPHY[key].short(),
                "citation": BIBLIOGRAPHY[key].citation(),
            }
            for key in cited
        },
        "claims": claims,
    }


def write(document: dict[str, Any], out: Path) -> tuple[Path, Path]:
    """Write report.json and report.md into ``out``; figure paths are made relative to it."""
    json_path, md_path = out / "report.json", out / "report.md"
    write_atomically(json_path, (json.dumps(document, indent=2) + "\n").encode())
    write_atomically(md_path, markdown(document, out).encode())
    return json_path, md_path


def controls_cell(controls: list[dict[str, Any]] | None) -> str:
    """'2/2 as required', or 'skipped' when the run left the controls out."""
    if controls is None:
        return "skipped"
    return f"{sum(c['as_required'] for c in controls)}/{len(controls)} as required"


def table(results: list[Result]) -> str:
    """The verdict table printed at the end of ``losslab check``."""
    rows = [("claim", "expected", "verdict", "", "controls", "time", "evidence")]
    for r in results:
        mark = "ok" if r.as_expected else "MISMATCH"
        controls = None if r.controls is None else [c.as_dict() for c in r.controls]
        rows.append(
            (
                r.claim.id,
                str(r.claim.expected),
                str(r.outcome.verdict),
                mark,
                controls_cell(controls),
                f"{r.duration_s:.1f}s",
                r.outcome.summary,
            )
        )
    columns = len(rows[0]) - 1
    widths = [max(len(row[k]) for row in rows) for k in range(columns)]
    lines = []
    for k, row in enumerate(rows):
        cells = "  ".join(cell.ljust(w) for cell, w in zip(row[:columns], widths))
        lines.append(cells + "  " + row[columns])
        if k == 0:
            lines.append("-" * (sum(widths) + 2 * columns + 8))
    matched = sum(r.as_expected for r in results)
    lines.append(f"{matched}/{len(results)} claims as expected")
    return "\n".join(lines)


SCOPE_LEGEND = (
    "Scope: *general* = proved for every instance the statement quantifies over; *instances* = "
    "checked on the instances listed; *sample* = checked on a random sample (size and power in "
    "the evidence)."
)


def _code(document: dict[str, Any]) -> str:
    if document["commit"] is None:
        return f"sources SHA-256 `{document['source_sha256'][:16]}` (not a git checkout)"
    modified = " with modified sources" if document["sources_modified"] else ""
    return (
        f"commit `{document['commit'][:12]}`{modified}, sources `{document['source_sha256'][:16]}`"
    )


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(document: dict[str, Any], out: Path) -> str:
    """A human-readable report: run header, verdict table, one section per claim, references."""
    lines = [
        "# losslab report",
        "",
        (
            f"losslab {document['losslab_version']}, {_code(document)}; backend "
            f"`{document['backend']}` on {document['device']}; seed {document['seed']}; scale "
            f"`{document['scale']}`; {document['duration_s']:.1f} s; runtime negative controls "
            f"{document.get('controls', 'run')}."
        ),
        "",
        f"Command: `{document['command']}`",
    ]
    if document.get("fallback_reason"):
        lines.append(f"Backend fallback: {document['fallback_reason']}.")
    if document["sign_conventions"]:
        lines += ["", "Sign conventions of the z statistics:", ""]
        lines += [f"{e['number']}. {e['convention']}" for e in document["sign_conventions"]]
    lines += [
        "",
        SCOPE_LEGEND,
        "",
        "| claim | source | provenance | method | expected | verdict | scope | controls | evidence |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for c in document["claims"]:
        verdict = c["verdict"] if c["as_expected"] else f"**{c['verdict']} (mismatch)**"
        source = f"[{c['reference']['entry']}] {c['reference']['location']}"
        lines.append(
            f"| `{c['id']}` | {_cell(source)} | {c['provenance']} | {c['method']} | "
            f"{c['expected']} | {verdict} | {c['scope']} | {controls_cell(c['controls'])} | "
            f"{_cell(c['summary'])} |"
        )
    for c in document["claims"]:
        reference = c["reference"]
        derived = f"; derived by `{reference['derived_by']}`" if "derived_by" in reference else ""
        checked = f": {c['checked']}" if c["checked"] else ""
        seed = "used" if c["seed_used"] else "not used (no random numbers)"
        lines += [
            "",
            f"## `{c['id']}`",
            "",
            c["statement"],
            "",
            f"- source: [{reference['entry']}] {reference['location']}{derived}",
            f"- provenance: {c['provenance']}; scope: {c['scope']}{checked}",
            (
                f"- method: {c['method']}; verdict: {c['verdict']} (expected {c['expected']}); "
                f"{c['duration_s']} s; seed {seed}"
            ),
            f"- cite as: {citation(document, c['id'])}",
        ]
        if c["explanation"]:
            lines.append(f"- what the evidence contradicts: {c['explanation']}")
        lines.append(f"- tolerance: `{json.dumps(c['tolerance'])}`")
        lines += _control_lines(c)
        lines += ["", "```json", json.dumps(c["evidence"], indent=2), "```"]
        for figure in c["figures"]:
            relative = os.path.relpath(figure, out)
            lines += ["", f"![{c['id']}]({relative})"]
    lines += ["", "## References", ""]
    lines += [f"- [{key}] {e['citation']}" for key, e in document["bibliography"].items()]
    return "\n".join(lines) + "\n"


def citation(document: dict[str, Any], claim_id: str) -> str:
    """What to quote of one claim of a report: the code and command that produced it, the
    statement and its source, the verdict with its scope, the controls and the seed."""
    c = next(c for c in document["claims"] if c["id"] == claim_id)
    entry = document["bibliography"][c["reference"]["entry"]]
    checked = f" ({c['checked']})" if c["checked"] else ""
    seed = f"seed {document['seed']}" if c["seed_used"] else "no random numbers"
    return (
        f"losslab {document['losslab_version']} ({_code(document)}; `{document['command']}`; "
        f'`{document["backend"]}` on {document["device"]}): `{c["id"]}`, "{c["statement"]}" '
        f"[{entry['short']}, {c['reference']['location']}]"
        f": **{c['verdict']}** (expected {c['expected']}), scope *{c['scope']}*{checked}; "
        f"{c['summary']}; controls {controls_cell(c['controls'])}; {seed}."
    )


def _control_lines(claim: dict[str, Any]) -> list[str]:
    lines = []
    for control in claim["controls"] or ():
        outcome = "as required" if control["as_required"] else "NOT AS REQUIRED"
        summary = control["summary"].replace("\n", " ")
        lines.append(
            f"- control: {control['description']}: {control['verdict']} {outcome} "
            f"(required {control['expected']}; {summary})"
        )
    return lines


def excerpt(document: dict[str, Any], claim_ids: list[str]) -> str:
    """The table rows and the control lines of a few claims of a report."""
    claims = {c["id"]: c for c in document["claims"]}
    table = claim_table({"claims": [claims[i] for i in claim_ids]}).splitlines()
    lines = ["```text", *table[:1], *table[2:]]
    for claim_id in claim_ids:
        lines += [f"## `{claim_id}`", *_control_lines(claims[claim_id])]
    return "\n".join([*lines, "```"])


def claim_table(document: dict[str, Any]) -> str:
    """The README's table of claims, rendered from a report: source, provenance, method, scope,
    expected and found verdicts, and the run's one-line evidence."""
    lines = [
        "| claim | source | provenance | method | scope | expected | verdict | evidence |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for c in document["claims"]:
        expected = f"**{c['expected']}**" if c["expected"] == "refuted" else c["expected"]
        source = f"[{c['reference']['entry']}] {c['reference']['location']}"
        lines.append(
            f"| `{c['id']}` | {_cell(source)} | {c['provenance']} | {c['method']} | "
            f"{c['scope']} | {expected} | {c['verdict']} | {_cell(c['summary'])} |"
        )
    return "\n".join(lines)


CITATION_EXAMPLE = "wang2021.temperature_limits"
"""The claim whose citation the README shows."""
EXCERPT = ["mao2023.bound_valid_pointwise", "mao2023.tight_gce"]
"""The claims whose report rows and controls the README shows."""


def generated_block(name: str, text: str) -> str:
    """``text`` between the markers that :func:`update_readme` replaces."""
    return f"<!-- generated: {name} -->\n{text}\n<!-- end generated: {name} -->"


def update_readme(readme: str, document: dict[str, Any], source: str) -> str:
    """``readme`` with its generated blocks rendered from ``document`` (the report at the
    repository path ``source``): the claim table and the run line under it."""
    run = (
        f"Rendered from `{source}`: losslab {document['losslab_version']}, "
        f"{_code(document)}; backend `{document['backend']}` on {document['device']}; seed "
        f"{document['seed']}; scale `{document['scale']}`; {len(document['claims'])} claims, "
        f"{sum(c['as_expected'] for c in document['claims'])} as expected."
    )
    blocks = {
        "claim table": claim_table(document) + "\n\n" + run,
        "citation example": "> " + citation(document, CITATION_EXAMPLE),
        "report excerpt": excerpt(document, EXCERPT),
    }
    for name, text in blocks.items():
        start, end = f"<!-- generated: {name} -->", f"<!-- end generated: {name} -->"
        if readme.count(start) != 1 or readme.count(end) != 1:
            raise ValueError(f"the README needs exactly one {start!r} ... {end!r} block")
        head, rest = readme.split(start)
        _, tail = rest.split(end)
        readme = head + generated_block(name, text) + tail
    return readme


if __name__ == "__main__":
    # python -m paper_checks.report reports/quick/report.json README.md
    report_path, readme_path = (Path(arg) for arg in sys.argv[1:3])
    document = json.loads(report_path.read_text(encoding="utf-8"))
    readme_path.write_text(
        update_readme(readme_path.read_text(encoding="utf-8"), document, report_path.as_posix()),
        encoding="utf-8",
    )
