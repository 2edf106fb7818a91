"""The papers that claims cite, as data: one entry per work, keyed as the claims cite it.

Every claim names an entry and a location in it (:class:`Reference`); the report carries the
entries its claims cite and ``report.md`` renders them as a reference list. The ``read`` field
says how much of the work the project has read, so that a reader can tell a location checked
against the text ("Eq. (6)") from one that rests on the abstract alone.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Entry:
    """One cited work."""

    authors: tuple[str, ...]
    title: str
    venue: str
    year: int
    read: str
    """What of it the project has read: "full text", "abstract", "abstract and official code"."""
    arxiv: str = ""
    doi: str = ""
    url: str = ""
    code: str = ""
    """The official code, where there is one."""

    def as_dict(self) -> dict:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items() if v}

    def short(self) -> str:
        """ "Wang & Liu, CVPR 2021": surnames (et al. past two), venue and year."""
        surnames = [name.split()[-1] for name in self.authors]
        who = " & ".join(surnames) if len(surnames) <= 2 else f"{surnames[0]} et al."
        return f"{who}, {self.venue.split(' (')[0]} {self.year}"

    def citation(self) -> str:
        """One line: authors, title, venue year, with the identifiers."""
        names = ", ".join(self.authors)
        ids = [f"arXiv:{self.arxiv}" if self.arxiv else "", f"doi:{self.doi}" if self.doi else ""]
        tail = "; ".join(
            x for x in (*ids, self.url, f"code: {self.code}" if self.code else "") if x
        )
        return f"{names}. *{self.title}*. {self.venue} {self.year}." + (f" {tail}." if tail else "")


BIBLIOGRAPHY: dict[str, Entry] = {
    "mao2023": Entry(
        ("Anqi Mao", "Mehryar Mohri", "Yutao Zhong"),
        "Cross-Entropy Loss Functions: Theoretical Analysis and Applications",
        "ICML (PMLR 202:23803-23828)",
        2023,
        read="abstract and the opening of the introduction",
        arxiv="2304.07288",
        url="https://proceedings.mlr.press/v202/mao23b.html",
    ),
    "awasthi2022": Entry(
        ("Pranjal Awasthi", "Anqi Mao", "Mehryar Mohri", "Yutao Zhong"),
        "H-Consistency Bounds for Surrogate Loss Minimizers",
        "ICML (PMLR 162:1117-1174)",
        2022,
        read="abstract",
        url="https://proceedings.mlr.press/v162/awasthi22c.html",
    ),
    "bartlett2006": Entry(
        ("Peter L. Bartlett", "Michael I. Jordan", "Jon D. McAuliffe"),
        "Convexity, Classification, and Risk Bounds",
        "Journal of the American Statistical Association 101(473):138-156",
        2006,
        read="abstract",
        doi="10.1198/016214505000000907",
    ),
    "dai2025": Entry(
        ("Ben Dai",),
        "EnsLoss: Stochastic Calibrated Loss Ensembles for Preventing Overfitting in "
        "Classification",
        "ICML (PMLR 267:12001-12021)",
        2025,
        read="abstract, the opening of the introduction and the official code",
        arxiv="2409.00908",
        url="https://proceedings.mlr.press/v267/dai25d.html",
        code="https://github.com/statmlben/ensLoss",
    ),
    "yeh2022": Entry(
        (
            "Chun-Hsiao Yeh",
            "Cheng-Yao Hong",
            "Yen-Chi Hsu",
            "Tyng-Luh Liu",
            "Yubei Chen",
            "Yann LeCun",
        ),
        "Decoupled Contrastive Learning",
        "ECCV",
        2022,
        read="abstract and the project page (Eq. 1-4, Proposition 1)",
        arxiv="2110.06848",
        url="https://danielchyeh.github.io/DCL/",
    ),
    "wang2021": Entry(
        ("Feng Wang", "Huaping Liu"),
        "Understanding the Behaviour of Contrastive Loss",
        "CVPR",
        2021,
        read="full text, without the supplement",
        arxiv="2012.09740",
    ),
    "wang2020": Entry(
        ("Tongzhou Wang", "Phillip Isola"),
        "Understanding Contrastive Representation Learning through Alignment and Uniformity "
        "on the Hypersphere",
        "ICML",
        2020,
        read="abstract and the official code",
        arxiv="2005.10242",
        code="https://github.com/SsnL/align_uniform",
    ),
    "zheng2023": Entry(
        ("Chenyu Zheng", "Guoqiang Wu", "Fan Bao", "Yue Cao", "Chongxuan Li", "Jun Zhu"),
        "Revisiting Discriminative vs. Generative Classifiers: Theory and Implications",
        "ICML",
        2023,
        read="abstract, the opening of the introduction and the official code",
        arxiv="2302.02334",
        code="https://github.com/ML-GSAI/Revisiting-Dis-vs-Gen-Classifiers",
    ),
    "ng2001": Entry(
        ("Andrew Y. Ng", "Michael I. Jordan"),
        "On Discriminative vs. Generative Classifiers: A Comparison of Logistic Regression and "
        "Naive Bayes",
        "Advances in Neural Information Processing Systems 14 (NIPS 2001)",
        2001,
        read="abstract and introduction",
    ),
    "mao2023characterization": Entry(
        ("Anqi Mao", "Mehryar Mohri", "Yutao Zhong"),
        "H-Consistency Bounds: Characterization and Extensions",
        "NeurIPS",
        2023,
        read="abstract and the opening of the introduction",
        url="https://openreview.net/forum?id=nI7EmXq2PL",
    ),
}


@dataclass(frozen=True)
class Reference:
    """Where a claim comes from: an entry of :data:`BIBLIOGRAPHY` and the place in it.

    ``location`` names the theorem, equation, proposition, table, figure or section, or says
    "abstract" or "not read" where that is all there is. A ``derived`` claim (our own result) also
    names in ``derived_by`` the losslab function or proof that derives it, as a dotted path.
    """

    entry: str
    location: str
    derived_by: str = ""

    def __post_init__(self) -> None:
        if self.entry not in BIBLIOGRAPHY:
            known = ", ".join(sorted(BIBLIOGRAPHY))
            raise ValueError(f"unknown bibliography entry {self.entry!r} (known: {known})")
        if not self.location.strip():
            raise ValueError(f"a reference to {self.entry!r} needs a location in the work")

    def as_dict(self) -> dict[str, str]:
        cited = {"entry": self.entry, "location": self.location}
        return cited | ({"derived_by": self.derived_by} if self.derived_by else {})

    def __str__(self) -> str:
        tail = f"; derived by `{self.derived_by}`" if self.derived_by else ""
        return f"[{self.entry}] {self.location}{tail}"
