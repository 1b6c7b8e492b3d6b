"""Dashboard charts rendered on the server as SVG (matplotlib, Agg backend, no pyplot state).

Text stays text in the SVG (``svg.fonttype = none``) so Vietnamese diacritics are drawn by the
browser's fonts; ids are salted with a fixed string so the same data gives the same bytes.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")

from matplotlib import rc_context  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

INK = "#1f2328"
MUTED = "#5b6370"
LINE = "#e6e0d6"
PALETTE = ("#9b1c1c", "#c8962e", "#1f7a4d", "#3b5b92", "#7a4f9a", "#d0703a", "#5b6370")
_RC: Any = {"svg.fonttype": "none", "svg.hashsalt": "caunoi", "font.family": "sans-serif",
       "font.sans-serif": ["Noto Sans", "DejaVu Sans"], "font.size": 10}


def _svg(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    return buf.getvalue()


def _axes(fig: Figure):  # type: ignore[no-untyped-def]
    ax = fig.add_subplot()
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(LINE)
    ax.tick_params(colors=MUTED, labelcolor=INK)
    return ax


def _wrap(label: str, width: int = 24) -> str:
    """A long label (an event's name) on two lines at most, so that it does not squeeze its bar."""
    return "\n".join(textwrap.wrap(label, width, max_lines=2, placeholder="…")) or label


def bar_chart(items: Sequence[tuple[str, int]], empty: str, limit: int = 12) -> bytes:
    """Horizontal bars, largest on top: ``items`` are ``(label, count)``."""
    items = [(_wrap(label), n) for label, n in list(items)[:limit]]
    with rc_context(_RC):
        rows = sum(label.count("\n") + 1 for label, _ in items)
        fig = Figure(figsize=(4.6, 0.5 + 0.34 * max(rows, 2)))
        ax = _axes(fig)
        if not items:
            ax.text(0.5, 0.5, empty, ha="center", va="center", color=MUTED, transform=ax.transAxes)
            ax.set_axis_off()
            return _svg(fig)
        labels = [label for label, _ in reversed(items)]
        values = [n for _, n in reversed(items)]
        bars = ax.barh(labels, values, color=PALETTE[1], height=0.62)
        ax.bar_label(bars, padding=3, color=INK, fontsize=9)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.set_xlim(0, max(values) * 1.15)
        ax.grid(axis="x", color=LINE, linewidth=0.8)
        ax.set_axisbelow(True)
        return _svg(fig)


def timeline_chart(months: Sequence[str], series: Sequence[tuple[str, Sequence[int]]], empty: str) -> bytes:
    """Stacked monthly bars: ``series`` are ``(label, counts per month)``, one colour each."""
    with rc_context(_RC):
        fig = Figure(figsize=(7.6, 2.8))
        ax = _axes(fig)
        if not months or not series:
            ax.text(0.5, 0.5, empty, ha="center", va="center", color=MUTED, transform=ax.transAxes)
            ax.set_axis_off()
            return _svg(fig)
        bottom = [0] * len(months)
        for i, (label, counts) in enumerate(series):
            ax.bar(list(months), list(counts), bottom=bottom, label=label, color=PALETTE[i % len(PALETTE)],
                   width=0.7 if len(months) >= 6 else 0.35)
            bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.grid(axis="y", color=LINE, linewidth=0.8)
        ax.set_axisbelow(True)
        if len(months) < 6:  # a few wide bars look like a wall: keep them slim
            ax.set_xlim(-1.5, len(months) + 0.5)
        if len(months) > 8:
            ax.tick_params(axis="x", labelrotation=45)
        ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return _svg(fig)


def lorenz_chart(profile_share: Sequence[float], exposure_share: Sequence[float], labels: tuple[str, str, str],
                 empty: str) -> bytes:
    """A Lorenz curve: the profiles from least to most exposed, their cumulative share of the
    profiles (x) against their cumulative share of the exposure (y), both from 0 to 1, with the
    diagonal of equal exposure. ``labels``: the x axis, the y axis, the diagonal."""
    with rc_context(_RC):
        fig = Figure(figsize=(4.6, 4.0))
        ax = _axes(fig)
        if len(profile_share) < 2:
            ax.text(0.5, 0.5, empty, ha="center", va="center", color=MUTED, transform=ax.transAxes)
            ax.set_axis_off()
            return _svg(fig)
        ax.plot([0, 1], [0, 1], color=MUTED, linestyle="--", linewidth=1, label=labels[2])
        ax.fill_between(list(profile_share), list(exposure_share), list(profile_share), color=PALETTE[1], alpha=0.25)
        ax.plot(list(profile_share), list(exposure_share), color=PALETTE[0], linewidth=2)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_xlabel(labels[0], color=INK)
        ax.set_ylabel(labels[1], color=INK)
        ax.xaxis.set_major_formatter("{x:.0%}")
        ax.yaxis.set_major_formatter("{x:.0%}")
        ax.grid(color=LINE, linewidth=0.8)
        ax.set_axisbelow(True)
        ax.legend(frameon=False, fontsize=8, loc="upper left")
        return _svg(fig)
