"""Write a checking run as ``report.json`` and ``report.md`` (atomically) and print its table."""

from __future__ import annotations

import json
import os
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

from paper_checks.claims import Result


def losslab_version() -> str:
    try:
        return metadata.version("losslab")
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"


def build(results: list[Result], *, run: dict[str, Any]) -> dict[str, Any]:
    """The report.json document."""
    return {
        "losslab_version": losslab_version(),
        **run,
        "all_as_expected": all(r.as_expected for r in results),
        "claims": [r.as_dict() for r in results],
    }


def _write_atomically(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write(document: dict[str, Any], out: Path) -> tuple[Path, Path]:
    """Write report.json and report.md into ``out``; figure paths are made relative to it."""
    json_path, md_path = out / "report.json", out / "report.md"
    _write_atomically(json_path, json.dumps(document, indent=2) + "\n")
    _write_atomically(md_path, markdown(document, out))
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


def markdown(document: dict[str, Any], out: Path) -> str:
    """A human-readable report: run header, verdict table, then one section per claim."""
    lines = [
        "# losslab report",
        "",
        (
            f"losslab {document['losslab_version']}; backend `{document['backend']}` on "
            f"{document['device']}; seed {document['seed']}; scale `{document['scale']}`; "
            f"{document['duration_s']:.1f} s; runtime negative controls "
            f"{document.get('controls', 'run')}."
        ),
    ]
    if document.get("fallback_reason"):
        lines.append(f"Backend fallback: {document['fallback_reason']}.")
    lines += [
        "",
        "| claim | provenance | method | expected | verdict | controls | evidence |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in document["claims"]:
        verdict = c["verdict"] if c["as_expected"] else f"**{c['verdict']} (mismatch)**"
        summary = c["summary"].replace("|", "\\|")
        lines.append(
            f"| `{c['id']}` | {c['provenance']} | {c['method']} | {c['expected']} | {verdict} "
            f"| {controls_cell(c['controls'])} | {summary} |"
        )
    for c in document["claims"]:
        lines += [
            "",
            f"## `{c['id']}`",
            "",
            c["statement"],
            "",
            f"- provenance: {c['provenance']} ({c['source']})",
            (
                f"- method: {c['method']}; verdict: {c['verdict']} (expected {c['expected']}); "
                f"{c['duration_s']} s"
            ),
        ]
        if c["explanation"]:
            lines.append(f"- known discrepancy: {c['explanation']}")
        lines.append(f"- tolerance: `{json.dumps(c['tolerance'])}`")
        for control in c["controls"] or ():
            outcome = "as required" if control["as_required"] else "NOT AS REQUIRED"
            summary = control["summary"].replace("\n", " ")
            lines.append(
                f"- control: {control['description']}: {control['verdict']} {outcome} "
                f"(required {control['expected']}; {summary})"
            )
        lines += ["", "```json", json.dumps(c["evidence"], indent=2), "```"]
        for figure in c["figures"]:
            relative = os.path.relpath(figure, out)
            lines += ["", f"![{c['id']}]({relative})"]
    return "\n".join(lines) + "\n"
