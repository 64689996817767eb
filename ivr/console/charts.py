"""Charts drawn on the server as SVG (pygal), readable without JavaScript and in print.

pygal writes a ``<script>`` with its configuration (for its optional tooltips), comments with
the date it ran, and a random id; the chart is cleaned of all three here so that the same data
gives the same bytes, no script runs, and it embeds in a page next to others (each chart's CSS
is scoped to its own fixed id). Its tooltip layer goes too: only pygal's script shows it, and it
carries a ``style`` attribute. A page whose Content-Security-Policy refuses inline styles embeds
``unstyled(chart)`` and links ``stylesheet()``, the same rules for every chart.

Each chart says what it shows to a screen reader: ``role="img"`` with ``aria-labelledby`` its
``<title>`` and ``<desc>``, the desc listing every value.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from functools import cache

import pygal
from lxml import etree
from pygal.style import Style

# pygal appends to sys.meta_path a finder for its map plugins that has no find_spec: Python 3.11
# then warns (ImportWarning) at every import that reaches it. No map is drawn here.
sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, pygal.PluginImportFixer)]

# Dark text on white, one saturated blue for bars: contrast above 4.5:1 for the labels.
STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#1a1a1a",
    foreground_strong="#1a1a1a",
    foreground_subtle="#595959",
    colors=("#1f5fa8",),
    font_family="system-ui, sans-serif",
    label_font_size=14,
    major_label_font_size=14,
    value_font_size=13,
    title_font_size=16,
)
# The console's chart column is about 660 px wide on a 1366 px screen: drawn at that width, a
# chart's 14 px labels are shown at 14 px there (drawn at 800, they were scaled down to 12).
WIDTH = 660


def bar_chart(
    chart_id: str,
    title: str,
    labels: Sequence[str],
    values: Sequence[int],
    *,
    horizontal: bool = False,
    unit: str = "llamadas",
    width: int = WIDTH,
    shown: Sequence[str] | None = None,
) -> str:
    """Return an inline SVG bar chart (one series), with its title and a description.

    ``shown``: the axis labels to print, "" for none (default: ``labels``); the description
    read to a screen reader names every bar.
    """
    kind = pygal.HorizontalBar if horizontal else pygal.Bar
    printed = [label for label in (labels if shown is None else shown) if label]
    height = max(240, 32 * len(labels) + 90) if horizontal else 320
    chart = kind(
        style=STYLE,
        title=title,
        width=width,
        height=height,
        show_legend=False,
        print_values=True,
        js=[],
        disable_xml_declaration=True,
        x_label_rotation=0 if horizontal or len(printed) <= 12 else -45,
        truncate_label=-1,  # labels in full
        show_y_guides=True,
        min_scale=1,
        no_data_text="Sin llamadas",
    )
    chart.uuid = chart_id
    chart.x_labels = list(labels if shown is None else shown)
    chart.add(unit.capitalize(), list(values))
    description = (
        "; ".join(f"{label}: {value} {unit}" for label, value in zip(labels, values, strict=True))
        or "Sin datos."
    )
    return _accessible(chart.render_tree(), chart_id, title, description)


def _accessible(svg: etree._Element, chart_id: str, title: str, description: str) -> str:
    """Drop scripts and comments; name the chart for screen readers."""
    # pygal builds its tree without namespaces on the elements (the default one is the SVG's)
    dropped = [*svg.iter("script"), *svg.xpath("//comment()")]
    dropped += svg.findall("title")  # pygal's own: ours goes first
    dropped += svg.xpath('//g[contains(concat(" ", @class, " "), " tooltip-overlay ")]')
    for node in dropped:
        node.getparent().remove(node)
    svg.set("role", "img")
    svg.set("aria-labelledby", f"{chart_id}-title {chart_id}-desc")
    title_node = etree.Element("title", id=f"{chart_id}-title")
    title_node.text = title
    desc_node = etree.Element("desc", id=f"{chart_id}-desc")
    desc_node.text = description
    svg.insert(0, desc_node)
    svg.insert(0, title_node)
    return str(etree.tostring(svg, encoding="unicode"))


SVG_NS = "http://www.w3.org/2000/svg"
_CHART_ID = re.compile(r"#chart-[\w-]+")


def unstyled(chart: str) -> str:
    """Return ``chart`` (from ``bar_chart``) without its ``<style>``: ``stylesheet()`` styles it."""
    svg = etree.fromstring(chart.encode("utf-8"))
    for style in svg.iter(f"{{{SVG_NS}}}style"):
        style.getparent().remove(style)
    return str(etree.tostring(svg, encoding="unicode"))


@cache
def stylesheet() -> str:
    """Return the CSS of every chart: pygal's, for its class instead of one chart's id."""
    # The rules depend on STYLE only (not on the data): drawn once for an empty chart.
    svg = etree.fromstring(bar_chart("any", "", [], []).encode("utf-8"))
    css = "\n".join(style.text or "" for style in svg.iter(f"{{{SVG_NS}}}style"))
    return _CHART_ID.sub(".pygal-chart", css).strip() + "\n"
