"""The HTML viewer: one self-contained page to explore the graph, offline and safe.

pyvis builds the vis-network node, edge and physics options from the graph;
the page itself comes from our own template (``kg/data/viewer.html``) because
pyvis' templates fetch bootstrap and tom-select from CDNs even in its
``in_line`` mode. We inline vis-network's JS and CSS from the copy pyvis ships,
plus our own small CSS/JS (``kg/data/viewer.css``, ``kg/data/viewer.js``) for
the legend, filters, search and side panel. The page loads no URL at all, and
its Content-Security-Policy says so: only the page's own scripts, by hash, may
run, and it may fetch nothing.

Graph text never reaches the page as markup: the data travels as JSON in a
``<script type="application/json">`` block with ``<``, ``>``, ``&`` and
U+2028/2029 escaped (so a ``</script>`` in a title cannot end the block), the
JS writes it with ``textContent`` only, and only http(s) URLs become links.

Styling (colour and shape by node kind, colour by relation) is the frozen
:data:`NODE_STYLE` / :data:`EDGE_COLOR` tables; none of it is stored in the
domain graph.

The page exposes ``window.kgView`` for browser tests and scripting:
``ready`` (true once the layout has settled and physics is frozen),
``readyAt`` (``performance.now()`` at that moment), ``network``, ``nodes``,
``edges`` (the vis DataSets), ``find(text)`` (node id for a name or alias),
``focus(id)``, ``visibleNodeIds()``, ``visibleEdgeIds()`` and ``selectedId()``.
``document.body.dataset.ready`` is ``"true"`` once ready.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

import networkx as nx

from kg._io import atomic_write
from kg.graph import NODE_KINDS, RELATIONS, find_node

if TYPE_CHECKING:
    from pyvis.network import Network

__all__ = [
    "EDGE_COLOR",
    "HEADLESS_CHROMIUM_ARGS",
    "NODE_STYLE",
    "parse_kinds",
    "render_html",
    "select",
    "write_html",
]


@dataclass(frozen=True)
class NodeStyle:
    """How one node kind looks: vis-network shape and colours, and the legend glyph."""

    color: str
    border: str
    shape: str
    glyph: str


#: Okabe-Ito colours (readable with colour-blindness), one shape per kind.
NODE_STYLE: Mapping[str, NodeStyle] = MappingProxyType(
    {
        "Paper": NodeStyle(color="#8ecae6", border="#3b7ea1", shape="square", glyph="\u25a0"),
        "Method": NodeStyle(color="#e69f00", border="#9c6c00", shape="dot", glyph="\u25cf"),
        "Model": NodeStyle(color="#cc79a7", border="#8a4a6e", shape="diamond", glyph="\u25c6"),
        "Dataset": NodeStyle(color="#009e73", border="#006b4e", shape="triangle", glyph="\u25b2"),
        "Repository": NodeStyle(color="#555555", border="#222222", shape="star", glyph="\u2605"),
    }
)
EDGE_COLOR: Mapping[str, str] = MappingProxyType(
    {
        "proposes": "#d55e00",
        "uses": "#0072b2",
        "evaluatedOn": "#009e73",
        "hasCode": "#555555",
        "variantOf": "#cc79a7",
    }
)
#: Paper titles are cut to this many characters on the canvas (the panel shows them whole).
PAPER_LABEL_CHARS = 40
#: Layout work before the first draw, in node-iterations: an iteration costs time in
#: proportion to the nodes, so big graphs get fewer (at least 100) and open in seconds.
STABILIZATION_BUDGET = 200_000
#: Above this many nodes vis-network's "improved layout" (a Kamada-Kawai pass) is too slow.
IMPROVED_LAYOUT_MAX_NODES = 150

#: Chromium flags to open a page headless, as root, with no traffic of its own
#: (the browser tests and ``bench/viewer.py`` open the page with these).
HEADLESS_CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)

_KIND_NAMES = {kind.casefold(): kind for kind in NODE_KINDS} | {"repo": "Repository"}
_BARE_HOST = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}(/|$)", re.IGNORECASE)
_JSON_ESCAPES = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


def parse_kinds(names: Iterable[str]) -> list[str]:
    """Node kinds from user spellings: ``"method"``, ``"Model"``, ``"repo"``, ``"paper,dataset"``.

    Raises
    ------
    ValueError
        For a name that is no node kind.
    """
    kinds = []
    for name in names:
        for part in filter(None, (p.strip() for p in name.split(","))):
            kind = _KIND_NAMES.get(part.casefold())
            if kind is None:
                choices = ", ".join(k.lower() for k in NODE_KINDS)
                raise ValueError(f"unknown type {part!r} (choose from {choices})")
            kinds.append(kind)
    return kinds


def select(
    G: nx.MultiDiGraph,
    *,
    types: Iterable[str] | None = None,
    min_papers: int = 0,
    focus: str | None = None,
    hops: int = 1,
) -> nx.MultiDiGraph:
    """The part of ``G`` a smaller page shows, as a read-only subgraph view.

    * ``types``: entity kinds to keep (see :func:`parse_kinds`). Papers are
      part of every view only through what they link to, so they stay when they
      link to a kept entity, or all of them when ``"paper"`` is listed.
    * ``min_papers``: drop entities linked to fewer papers.
    * ``focus`` / ``hops``: of what is left, keep the nodes at most ``hops``
      links away from the node named ``focus`` (key, label or alias; link
      direction ignored). The focus node stays even when the filters drop it.

    With no option the view is the whole graph, isolated papers included.
    Node attributes (``papers`` too) are those of the whole graph.

    Raises
    ------
    ValueError
        For an unknown type, a negative ``hops`` or a ``focus`` naming no node.
    """
    if hops < 0:
        raise ValueError(f"hops must be 0 or more, not {hops}")
    kinds = set(parse_kinds(types)) if types is not None else set(NODE_KINDS)
    every_paper = "Paper" in kinds if types is not None else min_papers <= 0
    entities = {
        node
        for node, data in G.nodes(data=True)
        if data["kind"] != "Paper" and data["kind"] in kinds and data["papers"] >= min_papers
    }
    papers = {
        node
        for node, kind in G.nodes(data="kind")
        if kind == "Paper" and (every_paper or any(n in entities for n in G.successors(node)))
    }
    keep = entities | papers
    if focus is not None:
        center = find_node(G, focus)
        if center is None:
            raise ValueError(f"no node named {focus!r} to focus on")
        keep.add(center)
        around = nx.ego_graph(G.subgraph(keep), center, radius=hops, undirected=True)
        keep = set(around)
    return G.subgraph(keep)


def render_html(G: nx.MultiDiGraph, *, subtitle: str = "") -> str:
    """The whole page for ``G``: every node and edge of ``G``, nothing fetched."""
    import jinja2
    from markupsafe import Markup

    net, edge_details = _network(G)
    kinds = Counter(kind for _, kind in G.nodes(data="kind"))
    relations = Counter(relation for *_, relation in G.edges(keys=True))
    payload = {
        "nodes": net.nodes,
        "edges": net.edges,
        "options": _options(net, G.number_of_nodes()),
        "details": {node: _node_details(data) for node, data in G.nodes(data=True)},
        "edgeDetails": edge_details,
        "kinds": [
            {"name": kind, "count": kinds[kind], **asdict(NODE_STYLE[kind])} for kind in NODE_KINDS
        ],
        "relations": [
            {"name": rel, "count": relations[rel], "color": EDGE_COLOR[rel]} for rel in RELATIONS
        ],
    }
    vis_css = _vis_asset("vis-network.css")
    vis_js = _vis_asset("vis-network.min.js")
    viewer_css = _asset("viewer.css")
    viewer_js = _asset("viewer.js")
    csp = "; ".join(
        [
            "default-src 'none'",
            f"script-src {_csp_hash(vis_js)} {_csp_hash(viewer_js)}",
            "style-src 'unsafe-inline'",
            "img-src data:",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )
    template = jinja2.Environment(autoescape=True).from_string(_asset("viewer.html"))
    return template.render(
        title="kg \u2014 a knowledge graph of ML papers",
        subtitle=subtitle or _summary(G),
        csp=csp,
        vis_css=Markup(vis_css),
        vis_js=Markup(vis_js),
        viewer_css=Markup(viewer_css),
        viewer_js=Markup(viewer_js),
        data=Markup(_script_json(payload)),
    )


def write_html(
    G: nx.MultiDiGraph,
    path: str | Path,
    *,
    types: Iterable[str] | None = None,
    min_papers: int = 0,
    focus: str | None = None,
    hops: int = 1,
) -> None:
    """Write the viewer page for ``G`` (or the part :func:`select` picks) to ``path``."""
    view = select(G, types=types, min_papers=min_papers, focus=focus, hops=hops)
    choices = [
        f"types: {', '.join(parse_kinds(types))}" if types is not None else "",
        f"at least {min_papers} papers" if min_papers > 0 else "",
        f"{hops} hops around {focus}" if focus is not None else "",
    ]
    subtitle = " \u00b7 ".join(filter(None, [_summary(view), *choices]))
    html = render_html(view, subtitle=subtitle)
    with atomic_write(path) as handle:
        handle.write(html)


def _network(G: nx.MultiDiGraph) -> tuple[Network, dict[str, dict]]:
    """The pyvis network (one vis node per node, one vis edge per graph edge) and
    each edge's details for the page, keyed by the vis edge id."""
    from pyvis.network import Network

    net = Network(directed=True, cdn_resources="in_line")
    for node, data in G.nodes(data=True):
        style = NODE_STYLE[data["kind"]]
        net.add_node(
            node,
            label=_clip(data["label"], PAPER_LABEL_CHARS)
            if data["kind"] == "Paper"
            else data["label"],
            shape=style.shape,
            color={
                "background": style.color,
                "border": style.border,
                "highlight": {"background": style.color, "border": "#111111"},
                "hover": {"background": style.color, "border": "#111111"},
            },
            borderWidthSelected=3,
            font={"color": "#444444", "size": 12}
            if data["kind"] == "Paper"
            else {"color": "#111111", "size": 14},
            size=round(6 + 6 * math.sqrt(max(data["papers"], 0)), 1),
            kind=data["kind"],
        )
    details = {}
    for number, (source, target, relation, data) in enumerate(G.edges(keys=True, data=True)):
        edge_id = f"e{number}"
        net.add_edge(source, target, id=edge_id, color=EDGE_COLOR[relation], relation=relation)
        details[edge_id] = _edge_details(data)
    return net, details


def _options(net: Network, n_nodes: int) -> dict:
    """vis-network options: pyvis' ForceAtlas2 physics, stabilised before the first
    draw (the page then freezes it), straight edges, hover tooltips."""
    net.force_atlas_2based(gravity=-60, central_gravity=0.012, spring_length=80, overlap=0.2)
    options = json.loads(net.options.to_json())
    options["physics"]["stabilization"] = {
        "enabled": True,
        "iterations": max(100, min(1000, STABILIZATION_BUDGET // max(n_nodes, 1))),
        "updateInterval": 25,
        "fit": True,
    }
    options["physics"]["minVelocity"] = 1.0
    options["edges"] = {
        "smooth": False,
        "arrows": {"to": {"enabled": True, "scaleFactor": 0.4}},
        "width": 1,
        "selectionWidth": 2,
    }
    options["layout"] = {"randomSeed": 7, "improvedLayout": n_nodes <= IMPROVED_LAYOUT_MAX_NODES}
    options["interaction"] |= {"hover": True, "tooltipDelay": 150, "hideEdgesOnDrag": n_nodes > 300}
    return options


def _node_details(data: dict) -> dict:
    """What the tooltip and side panel show for a node."""
    details = {
        "kind": data["kind"],
        "label": data["label"],
        "aliases": list(data.get("aliases", ())),
        "papers": data["papers"],
        "url": _with_scheme(data.get("url")),
    }
    if data["kind"] == "Paper":
        details |= {
            "abstract": data.get("abstract") or "",
            "date": data.get("date"),
            "externalId": data.get("external_id"),
            "sources": list(data.get("sources") or ()),
        }
    return details


def _edge_details(data: dict) -> dict:
    """What the tooltip and side panel show for an edge: the distinct evidence sentences."""
    sentences = dict.fromkeys(ev["sentence"] for ev in data.get("evidence", ()))
    return {
        "relation": data["relation"],
        "text": data.get("text"),
        "proposed": data.get("proposed"),
        "confidence": data.get("confidence"),
        "support": data.get("support"),
        "evidence": list(sentences),
    }


def _with_scheme(url: str | None) -> str | None:
    """``url`` with ``https://`` before a bare ``github.com/...``; other URLs as written
    (the page links http(s) ones only and shows the rest as text)."""
    return f"https://{url}" if url and _BARE_HOST.match(url) else url or None


def _summary(G: nx.MultiDiGraph) -> str:
    papers = sum(1 for _, kind in G.nodes(data="kind") if kind == "Paper")
    entities = G.number_of_nodes() - papers
    return f"{papers:,} papers \u00b7 {entities:,} entities \u00b7 {G.number_of_edges():,} links"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def _script_json(payload: dict) -> str:
    """JSON safe inside a ``<script>`` block: no ``</script>``, no ``<!--``, no line separators."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).translate(_JSON_ESCAPES)


def _csp_hash(script: str) -> str:
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def _asset(name: str) -> str:
    return (resources.files("kg") / "data" / name).read_text(encoding="utf-8")


def _vis_asset(name: str) -> str:
    return (resources.files("pyvis") / "lib" / "vis-9.1.2" / name).read_text(encoding="utf-8")
