"""One look for every figure: group colours, sizes, fonts, p-values and deterministic output.

Journal artwork rules (e.g. Elsevier, Springer Nature and Wiley artwork guides): a figure is drawn
at the size it is printed, at most the double-column width of 183 mm (``FULL_WIDTH`` inches); no
text smaller than ``MIN_FONT_SIZE`` (7 pt) at that size; PNG at 300 dpi; PDF with embedded
TrueType (Type 42) fonts, never Type 3. The report shows a figure at most about 1000 px wide (its
page is 1100 px); a figure of ``FULL_WIDTH`` inches at 300 dpi is shown there at about 1.4 times
its printed size, so no text is smaller than 7 pt in the report either.

Colours are from the Okabe-Ito palette (Okabe & Ito 2008). Each group keeps one colour in every
figure, chosen so that the two arms of every contrast differ strongly for readers with normal
vision and with protanopia, deuteranopia or tritanopia (CIELAB distance of at least 50 after the
simulation of Machado, Oliveira & Fernandes 2009): the study's treatment (tacrolimus in the paper),
which is in every contrast, is black (``arm_colours``); ``conventional`` is vermillion, the
``<treatment>+<add-on>`` combination bluish green, and every other immunosuppressant, as a
comparator, keeps one colour of the palette or, beyond it, of Tol's colour-blind-safe schemes, each
at least 50 CIELAB units from black under every simulation.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from textwrap import fill

import matplotlib
import pandas as pd

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from myoild.design import CONVENTIONAL  # noqa: E402
from myoild.labels import GROUP_LABELS  # noqa: E402

TREATMENT_COLOUR = "#000000"
CONVENTIONAL_COLOUR = "#D55E00"
COMBINATION_COLOUR = "#009E73"
ALL_PATIENTS_COLOUR = "#555555"
#: An immunosuppressant's colour as a per-drug comparator.
COMPARATOR_COLOURS = {
    "cyclophosphamide": "#E69F00",
    "methotrexate": "#CC79A7",
    "azathioprine": "#56B4E9",
    "mycophenolate": "#0072B2",
    "tacrolimus": "#44AA99",
    "leflunomide": "#DDCC77",
    "ciclosporin": "#88CCEE",
    "tripterygium": "#AA4499",
}
#: Widest figure, inches: the double-column width of most journals (183 mm).
FULL_WIDTH = 7.2
#: Smallest text, points, at the printed size.
MIN_FONT_SIZE = 7
#: Characters of DejaVu Sans per inch at ``MIN_FONT_SIZE`` (mean advance width about 0.58 em).
CHARS_PER_INCH = 72 / (0.58 * MIN_FONT_SIZE)

RC_PARAMS = {
    "font.size": 8,
    "axes.titlesize": 8.5,
    "axes.labelsize": 8,
    "xtick.labelsize": 7.5,
    "ytick.labelsize": 7.5,
    "legend.fontsize": 7.5,
    "figure.titlesize": 9,
    "figure.labelsize": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "savefig.dpi": 300,
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
    "svg.hashsalt": "myoild",
    "pdf.compression": 6,
}


def arm_colours(groups: Sequence[str]) -> dict[str, str]:
    """The colour of each of ``groups``, listed as a contrast's arms or a cohort's groups are (the
    treatment or its combination first, as ``myoild.design`` orders them): the treatment black,
    ``conventional`` vermillion, a combination bluish green, ``all`` grey, a comparator drug its own."""
    treatment = groups[0].partition("+")[0] if len(groups) else None

    def colour(group: str) -> str:
        if group == "all":
            return ALL_PATIENTS_COLOUR
        if group == treatment:
            return TREATMENT_COLOUR
        if group == CONVENTIONAL:
            return CONVENTIONAL_COLOUR
        return COMBINATION_COLOUR if "+" in group else COMPARATOR_COLOURS.get(group, TREATMENT_COLOUR)

    return {group: colour(group) for group in groups}


def drawn_groups(table: pd.DataFrame) -> tuple[str, ...]:
    """The treatment groups of a table with a ``group`` column, in its order, without ``all``."""
    return tuple(group for group in dict.fromkeys(table["group"]) if group != "all")


def format_p(p: float) -> str:
    """A p-value as figures print it: ``<0.001``, else two significant digits (``0.52``,
    ``0.064``, ``1.0``: floating-point noise such as 0.9999999999998 is rounded away); empty
    when there is no test."""
    if p is None or pd.isna(p):
        return ""
    return "<0.001" if p < 0.001 else f"{p:#.2g}"


def p_equals(p: float) -> str:
    """``p = 0.52`` or ``p < 0.001``; ``p not estimable`` when there is no test."""
    text = format_p(p)
    if not text:
        return "p not estimable"
    return f"p < {text[1:]}" if text.startswith("<") else f"p = {text}"


def wrap_to(text: str, width_inches: float) -> str:
    """``text`` broken into lines that fit ``width_inches`` at ``MIN_FONT_SIZE`` (paragraphs kept)."""
    width = max(int(width_inches * CHARS_PER_INCH), 10)
    return "\n".join(fill(paragraph, width) for paragraph in text.split("\n"))


def panel_grid(
    n_panels: int, columns: int, panel_height: float, *, width: float = FULL_WIDTH, **subplots
) -> tuple[plt.Figure, list[plt.Axes]]:
    """A figure ``width`` inches wide with ``n_panels`` axes, ``columns`` a row (fewer when
    there are fewer panels), each row ``panel_height`` inches high; unused cells are switched
    off. Call inside ``plt.rc_context(RC_PARAMS)``."""
    columns = max(1, min(columns, n_panels))
    rows = -(-n_panels // columns)
    subplots.setdefault("layout", "constrained")
    fig, axes = plt.subplots(rows, columns, figsize=(width, panel_height * rows), squeeze=False, **subplots)
    flat = list(axes.flat)
    for ax in flat[n_panels:]:
        ax.set_axis_off()
    return fig, flat[:n_panels]


def add_note(fig: plt.Figure, text: str) -> None:
    """A footnote under the panels, wrapped to the figure's width, at the smallest text size."""
    fig.supxlabel(wrap_to(text, fig.get_figwidth() - 0.2), fontsize=MIN_FONT_SIZE, x=0.01, ha="left")


def legend_patches(groups: Sequence[str], alpha: float = 1.0) -> list:
    """Legend handles of ``groups`` (ordered as ``arm_colours`` expects): a square in each group's
    colour with its label."""
    colours = arm_colours(groups)
    return [Patch(color=colours[g], alpha=alpha, label=GROUP_LABELS.get(g, g)) for g in groups]


def save_figure(fig: plt.Figure, stem: str | Path) -> list[Path]:
    """Write ``stem.png`` (300 dpi, with its dpi in the file) and ``stem.pdf`` (TrueType fonts)
    without timestamps or other run-dependent metadata. The layout (constrained layout) is computed
    once, when the PNG is drawn, and the PDF keeps it: both files show the same positions, and a
    figure costs one layout instead of two (about a tenth of its drawing time)."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = [stem.with_suffix(".png"), stem.with_suffix(".pdf")]
    with plt.rc_context(RC_PARAMS):
        fig.savefig(paths[0], metadata={"Software": None})
        fig.set_layout_engine("none")
        fig.savefig(paths[1], metadata={"CreationDate": None, "ModDate": None, "Producer": None, "Creator": None})
    plt.close(fig)
    return paths


def message_figure(message: str, stem: str | Path) -> list[Path]:
    """A figure that says why it holds no plot (e.g. ``not estimable: no events``), so that every
    declared figure exists and tells the reader what happened."""
    with plt.rc_context(RC_PARAMS):
        fig, ax = plt.subplots(figsize=(FULL_WIDTH, 1.4))
        ax.axis("off")
        ax.text(0.5, 0.5, wrap_to(message, FULL_WIDTH - 0.4), ha="center", va="center", fontsize=9)
    return save_figure(fig, stem)
