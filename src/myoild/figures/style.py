"""One look for every figure: group colours, fonts and deterministic output.

Colours are from the Okabe-Ito palette (Okabe & Ito 2008), safe for colour-blind readers; each
group keeps its colour in every figure.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

GROUP_COLOURS = {
    "tacrolimus": "#0072B2",
    "conventional": "#D55E00",
    "tacrolimus+pirfenidone": "#009E73",
    "cyclophosphamide": "#E69F00",
    "methotrexate": "#CC79A7",
    "azathioprine": "#56B4E9",
    "all": "#555555",
}

GROUP_LABELS = {
    "tacrolimus": "Tacrolimus",
    "conventional": "Conventional",
    "tacrolimus+pirfenidone": "Tacrolimus + pirfenidone",
    "cyclophosphamide": "Cyclophosphamide",
    "methotrexate": "Methotrexate",
    "azathioprine": "Azathioprine",
    "all": "All patients",
}

RC_PARAMS = {
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "savefig.dpi": 150,
    "svg.hashsalt": "myoild",
    "pdf.compression": 6,
}


def save_figure(fig: plt.Figure, stem: str | Path) -> list[Path]:
    """Write ``stem.png`` and ``stem.pdf`` without timestamps or other run-dependent metadata."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = [stem.with_suffix(".png"), stem.with_suffix(".pdf")]
    with plt.rc_context(RC_PARAMS):
        fig.savefig(paths[0], metadata={"Software": None})
        fig.savefig(paths[1], metadata={"CreationDate": None, "ModDate": None, "Producer": None, "Creator": None})
    plt.close(fig)
    return paths


def message_figure(message: str, stem: str | Path) -> list[Path]:
    """A figure that says why it holds no plot (e.g. ``not estimable: no events``), so that every
    declared figure exists and tells the reader what happened."""
    with plt.rc_context(RC_PARAMS):
        fig, ax = plt.subplots(figsize=(6.0, 1.6))
        ax.axis("off")
        ax.text(0.5, 0.5, message, ha="center", va="center", wrap=True, fontsize=9)
    return save_figure(fig, stem)
