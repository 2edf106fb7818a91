"""Every registered claim, keyed by id, in the order the papers list them."""

from __future__ import annotations

from paper_checks import (
    awasthi2022,
    bartlett2006,
    dai2025,
    mao2023,
    ng2001,
    wang2021,
    yeh2022,
    zheng2023,
)
from paper_checks.claims import Claim

PAPERS = {
    module.PAPER: module
    for module in (
        mao2023,
        awasthi2022,
        bartlett2006,
        dai2025,
        yeh2022,
        wang2021,
        zheng2023,
        ng2001,
    )
}
REGISTRY: dict[str, Claim] = {
    claim.id: claim for module in PAPERS.values() for claim in module.CLAIMS
}
