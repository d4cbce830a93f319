"""The HTML viewer: subgraph selection, the page's safety, and the page in a real browser.

Browser tests run Debian's headless Chromium through Playwright's Python package
(no downloaded browser). Without Chromium they are skipped, except under
``CI=true``, where a missing browser is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
from html.parser import HTMLParser
from pathlib import Path

import networkx as nx
import pytest
from conftest import write_jsonl

from kg.cli import main
from kg.extract.records import EntityType, Evidence, ExtractedEntity
from kg.graph import build_graph, find_node, papers_of
from kg.ingest import Paper, Source, paper_id
from kg.resolve import resolve
from kg.viewer import HEADLESS_CHROMIUM_ARGS, parse_kinds, render_html, select, write_html

CHROMIUM = "/usr/bin/chromium"
XSS_TITLE = "<img src=x onerror=window.__xss=1>"
XSS_SCRIPT = "</script><script>window.__xss=1</script>"
ROOT = Path(__file__).resolve().parent.parent
EXPORTS = ROOT / "exports"


def _entity(text, etype, *, proposed=False, aliases=(), sentence=None):
    evidence = Evidence(
        sentence=sentence or f"We use {text}.", start=0, end=len(text), rule="test", confidence=0.9
    )
    return ExtractedEntity(
        text=text, type=etype, proposed=proposed, aliases=list(aliases), evidence=[evidence]
    )


def _paper(title, abstract, url=None):
    return Paper(
        id=paper_id(title),
        title=title,
        abstract=abstract,
        sources=[Source("seeds/test.txt", 1)],
        url=url,
    )


@pytest.fixture(scope="module")
def small() -> nx.MultiDiGraph:
    """Five papers: LoRA (3 papers), GLUE (2), a variant link, XSS titles and URLs, an
    isolated paper."""
    M, MO, D, R = EntityType.METHOD, EntityType.MODEL, EntityType.DATASET, EntityType.REPO
    extracted = [
        (
            _paper(
                "LoRA: Low-Rank Adaptation of Large Language Models",
                "We propose Low-Rank Adaptation, or LoRA, which freezes the pretrained weights.",
                url="https://arxiv.org/abs/2106.09685",
            ),
            [
                _entity("Low-Rank Adaptation", M, proposed=True, aliases=["LoRA"]),
                _entity("GPT-3", MO),
                _entity("GLUE", D),
                _entity("github.com/microsoft/LoRA", R),
            ],
        ),
        (
            _paper(
                "QLoRA: Efficient Finetuning of Quantized LLMs",
                "We present QLoRA, which backpropagates through a frozen 4-bit model into LoRA.",
                url="javascript:window.__xss=1",
            ),
            [
                _entity("QLoRA", M, proposed=True),
                _entity("LoRA", M),
                _entity("Llama-2-70B", MO),
                _entity("MMLU", D),
            ],
        ),
        (
            _paper(XSS_TITLE, f"An abstract holding {XSS_SCRIPT} and a \u2028 separator & more."),
            [
                _entity("LoRA", M, sentence=f"{XSS_SCRIPT} We fine-tune with LoRA."),
                _entity("<b onmouseover=window.__xss=1>bold</b>", M),
                _entity("Llama 2", MO),
            ],
        ),
        (
            _paper(XSS_SCRIPT, "Plain abstract."),
            [_entity("GLUE", D), _entity("javascript:window.__xss=1", R)],
        ),
        (_paper("An isolated paper", "Nothing was extracted from this one."), []),
    ]
    return build_graph(extracted, resolve(extracted))


def _labels(G: nx.MultiDiGraph) -> set[str]:
    return {label for _, label in G.nodes(data="label")}


# --- subgraph selection --------------------------------------------------------------


def test_parse_kinds_accepts_user_spellings():
    assert parse_kinds(["method", "Model,dataset", "repo", "PAPER"]) == [
        "Method",
        "Model",
        "Dataset",
        "Repository",
        "Paper",
    ]
    with pytest.raises(ValueError, match="unknown type 'methods'"):
        parse_kinds(["methods"])


def test_select_without_options_is_the_whole_graph(small):
    view = select(small)
    assert set(view) == set(small)
    assert view.number_of_edges() == small.number_of_edges()
    assert "An isolated paper" in _labels(view)


def test_select_by_type_keeps_papers_that_link_to_kept_entities(small):
    view = select(small, types=["dataset"])
    assert _labels(view) == {
        "GLUE",
        "MMLU",
        "LoRA: Low-Rank Adaptation of Large Language Models",
        "QLoRA: Efficient Finetuning of Quantized LLMs",
        XSS_SCRIPT,
    }
    assert {rel for *_, rel in view.edges(keys=True)} == {"evaluatedOn"}


def test_select_type_paper_keeps_every_paper(small):
    view = select(small, types=["paper"])
    assert {kind for _, kind in view.nodes(data="kind")} == {"Paper"}
    assert view.number_of_nodes() == 5


def test_select_min_papers_drops_rare_entities(small):
    view = select(small, min_papers=2)
    entities = {d["label"] for _, d in view.nodes(data=True) if d["kind"] != "Paper"}
    assert entities == {"LoRA", "GLUE"}
    assert "An isolated paper" not in _labels(view)
    # Node attributes are the whole graph's: the count is not recomputed on the view.
    assert view.nodes[find_node(small, "LoRA")]["papers"] == 3


def test_select_focus_by_alias_and_hops(small):
    one = select(small, focus="low-rank adaptation", hops=1)
    assert _labels(one) == {
        "LoRA",
        "LoRA: Low-Rank Adaptation of Large Language Models",
        "QLoRA: Efficient Finetuning of Quantized LLMs",
        XSS_TITLE,
    }
    two = select(small, focus="LoRA", hops=2)
    assert _labels(two) > _labels(one)
    assert {"GLUE", "QLoRA", "Llama 2", "github.com/microsoft/LoRA"} <= _labels(two)
    assert "An isolated paper" not in _labels(two)
    assert set(select(small, focus="LoRA", hops=0)) == {find_node(small, "LoRA")}


def test_select_focus_combines_with_filters_and_stays_itself(small):
    # LoRA is no dataset, but the focus stays; of its papers only those linked to a
    # dataset pass the type filter.
    view = select(small, types=["dataset"], focus="LoRA", hops=1)
    assert _labels(view) == {
        "LoRA",
        "LoRA: Low-Rank Adaptation of Large Language Models",
        "QLoRA: Efficient Finetuning of Quantized LLMs",
    }


def test_select_rejects_bad_options(small):
    with pytest.raises(ValueError, match="no node named 'BERT'"):
        select(small, focus="BERT")
    with pytest.raises(ValueError, match="hops"):
        select(small, focus="LoRA", hops=-1)
    with pytest.raises(ValueError, match="unknown type"):
        select(small, types=["author"])


def test_write_html_with_a_bad_option_writes_nothing(small, tmp_path):
    with pytest.raises(ValueError):
        write_html(small, tmp_path / "graph.html", focus="BERT")
    assert list(tmp_path.iterdir()) == []


# --- the page as text ----------------------------------------------------------------


def _page_data(html: str) -> dict:
    start = html.index('<script type="application/json" id="kg-data">')
    body = html[html.index(">", start) + 1 : html.index("</script>", start)]
    return json.loads(body)


def test_kg_view_writes_the_selected_part(tmp_path, capsys):
    import kg

    papers = write_jsonl(
        tmp_path / "papers.jsonl",
        {"title": "LoRA", "abstract": "We propose LoRA and evaluate it on GLUE."},
        {"title": "QLoRA", "abstract": "We fine-tune LLaMA with LoRA on MMLU."},
    )
    out = tmp_path / "lora.html"
    assert main(["view", str(papers), "-q", "-o", str(out), "--type", "method,paper"]) == 0
    expected = select(kg.build([papers]).graph, types=["method", "paper"])
    assert set(_page_data(out.read_text(encoding="utf-8"))["details"]) == set(expected)
    assert {kind for _, kind in expected.nodes(data="kind")} == {"Paper", "Method"}

    bad = tmp_path / "bad.html"
    assert main(["view", str(papers), "-q", "-o", str(bad), "--focus", "no such"]) != 0
    assert "no node named 'no such'" in capsys.readouterr().err
    assert not bad.exists()


class _Tags(HTMLParser):
    """Every start tag of a page, parsed as a browser does (script bodies are raw text)."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_page_is_self_contained_and_data_cannot_break_out(small):
    html = render_html(small)
    tags = _Tags(html).tags
    # Our three script blocks (data, vis-network, viewer) and no other: no title made one.
    assert [attrs for tag, attrs in tags if tag == "script"] == [
        {"type": "application/json", "id": "kg-data"},
        {},
        {},
    ]
    assert not [tag for tag, _ in tags if tag in ("img", "b", "link", "iframe")]
    assert not [attrs for _, attrs in tags if {"src", "href"} & set(attrs)]
    assert XSS_TITLE not in html and XSS_SCRIPT not in html and "\u2028" not in html
    # The escaped JSON still reads back as the very same text.
    data = _page_data(html)
    assert {d["label"] for d in data["details"].values()} == _labels(small)
    assert (
        data["details"][find_node(small, XSS_TITLE)]["abstract"]
        == small.nodes[find_node(small, XSS_TITLE)]["abstract"]
    )
    (csp,) = [a["content"] for _, a in tags if a.get("http-equiv") == "Content-Security-Policy"]
    assert "default-src 'none'" in csp and "'sha256-" in csp and "unsafe-eval" not in csp


# --- in a real browser ---------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing on CI: .ci/run must install Debian's chromium")
        pytest.skip("install Debian chromium: apt-get install chromium")
    if os.environ.get("CI") == "true":
        from playwright.sync_api import sync_playwright
    else:
        sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=HEADLESS_CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Opened:
    """A page opened from file://, with every request and page error it saw."""

    def __init__(self, browser, path: Path, *, bypass_csp: bool = False):
        self.url = path.resolve().as_uri()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.context = browser.new_context(
            viewport={"width": 1400, "height": 900}, bypass_csp=bypass_csp
        )
        self.page = self.context.new_page()
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on(
            "console",
            lambda msg: self.errors.append(msg.text) if msg.type == "error" else None,
        )
        self.page.goto(self.url)
        # The page's CSP forbids eval, so wait on the DOM flag, not a JS predicate.
        self.page.wait_for_selector("body[data-ready=true]", state="attached", timeout=60_000)

    def js(self, expression: str, arg=None):
        return self.page.evaluate(expression, arg)

    def foreign_requests(self) -> list[str]:
        return [
            url
            for url in self.requests
            if url != self.url and not url.startswith(("data:", "blob:"))
        ]

    def visible_kinds(self) -> set[str]:
        return set(self.js("() => kgView.nodes.get({filter: n => !n.hidden}).map(n => n.kind)"))

    def node_point(self, node: str) -> tuple[float, float]:
        """Where a node is drawn, in page coordinates."""
        return tuple(
            self.js(
                """id => { const net = kgView.network, p = net.canvasToDOM(net.getPosition(id));
                           const r = net.canvas.frame.canvas.getBoundingClientRect();
                           return [r.left + p.x, r.top + p.y]; }""",
                node,
            )
        )

    def hover_node(self, node: str) -> str:
        """Move the mouse onto a node and return the tooltip's text."""
        self.page.mouse.move(*self.node_point(node))
        tip = self.page.locator("div.vis-tooltip")
        tip.wait_for(state="visible")
        return tip.inner_text()


def _check_page(opened: Opened, G: nx.MultiDiGraph) -> None:
    """No request leaves the file; the network holds exactly the graph's nodes and edges."""
    assert opened.foreign_requests() == []
    assert opened.js("() => kgView.nodes.getIds()") and set(
        opened.js("() => kgView.nodes.getIds()")
    ) == set(G)
    rendered = opened.js(
        "() => [kgView.network.body.nodeIndices.length, kgView.network.body.edgeIndices.length]"
    )
    assert rendered == [G.number_of_nodes(), G.number_of_edges()]
    pairs = opened.js("() => kgView.edges.get().map(e => [e.from, e.to, e.relation])")
    assert sorted(map(tuple, pairs)) == sorted(G.edges(keys=True))


def _screenshot(opened: Opened, tmp_path: Path, name: str) -> None:
    opened.page.screenshot(path=tmp_path / name)
    EXPORTS.mkdir(exist_ok=True)
    shutil.copyfile(tmp_path / name, EXPORTS / name)


@pytest.mark.browser
@pytest.mark.parametrize("csp", ["enforced", "bypassed"])
def test_small_page_is_offline_exact_and_runs_no_injected_script(browser, small, tmp_path, csp):
    # With the page's CSP bypassed, the escaping alone must keep the XSS titles inert.
    path = tmp_path / "graph.html"
    write_html(small, path)
    opened = Opened(browser, path, bypass_csp=csp == "bypassed")
    _check_page(opened, small)

    # Hover and open every node and edge: tooltips and the panel show the text as text.
    xss_paper = find_node(small, XSS_TITLE)
    assert XSS_TITLE in opened.hover_node(xss_paper)
    # A real click selects the node, dims the others and opens the panel.
    opened.page.mouse.click(*opened.node_point(xss_paper))
    assert opened.js("() => kgView.selectedId()") == xss_paper
    assert opened.page.inner_text("#kg-panel h2") == XSS_TITLE
    dimmed = opened.js("() => kgView.nodes.get({filter: n => n.color.background === '#eef0f2'})")
    assert len(dimmed) == small.number_of_nodes() - 1 - len(set(nx.all_neighbors(small, xss_paper)))
    for node in small:
        opened.js("id => kgView.focus(id)", node)
        assert opened.page.inner_text("#kg-panel h2") == small.nodes[node]["label"]
    for edge_id in opened.js("() => kgView.edges.getIds()"):
        opened.js(
            "id => kgView.network.body.emitter.emit('click', {nodes: [], edges: [id]})",
            edge_id,
        )
    assert opened.js("() => window.__xss") is None
    assert opened.errors == []

    # Only http(s) URLs become links; a bare github.com/... gets https://.
    opened.js(
        "id => kgView.focus(id)", find_node(small, "QLoRA: Efficient Finetuning of Quantized LLMs")
    )
    assert opened.page.locator("#kg-panel a").count() == 0
    assert "javascript:window.__xss=1" in opened.page.inner_text("#kg-panel")
    opened.js("id => kgView.focus(id)", find_node(small, "javascript:window.__xss=1"))
    assert opened.page.locator("#kg-panel a").count() == 0
    opened.js("id => kgView.focus(id)", find_node(small, "github.com/microsoft/LoRA"))
    hrefs = opened.page.locator("#kg-panel a").evaluate_all("as => as.map(a => a.href)")
    assert hrefs == ["https://github.com/microsoft/LoRA"]

    assert opened.foreign_requests() == []
    _screenshot(opened, tmp_path, "viewer-small.png")
    opened.context.close()


@pytest.fixture(scope="session")
def seed_graph(seed_kg) -> nx.MultiDiGraph:
    """The seed graph, built once per session by conftest's ``seed_kg``."""
    return seed_kg.graph


@pytest.mark.browser
def test_seed_page_search_filters_and_reset(browser, seed_graph, tmp_path):
    path = tmp_path / "graph.html"
    write_html(seed_graph, path)
    opened = Opened(browser, path)
    page = opened.page
    _check_page(opened, seed_graph)
    n_nodes, n_edges = seed_graph.number_of_nodes(), seed_graph.number_of_edges()

    # Search (case-insensitive, by name or alias) selects, centres and details the node.
    lora = find_node(seed_graph, "LoRA")
    assert lora is not None
    in_view = """id => { const net = kgView.network, box = net.canvas.frame.canvas;
        return [id].concat(net.getConnectedNodes(id)).map(n => {
            const p = net.canvasToDOM(net.getPosition(n));
            return p.x >= 0 && p.y >= 0 && p.x <= box.clientWidth && p.y <= box.clientHeight; }); }"""
    opened.js("() => kgView.network.moveTo({position: {x: 1e6, y: 1e6}})")
    assert not any(opened.js(in_view, lora))
    page.fill("#kg-search-input", "lora")
    page.press("#kg-search-input", "Enter")
    assert opened.js("() => kgView.selectedId()") == lora
    assert opened.js("() => kgView.network.getSelectedNodes()") == [lora]
    # Focus brings the node and all its neighbours into view.
    assert all(opened.js(in_view, lora)) and len(opened.js(in_view, lora)) > 1
    assert page.inner_text("#kg-panel h2") == seed_graph.nodes[lora]["label"]
    a_paper = papers_of(seed_graph, lora)[0]
    assert seed_graph.nodes[a_paper]["title"] in page.inner_text("#kg-panel")
    page.wait_for_timeout(300)  # let the canvas repaint for the picture, not for any assert
    _screenshot(opened, tmp_path, "viewer.png")

    # The type filter hides every paper (and so every paper's link) ...
    page.uncheck("#kg-types input[value=Paper]")
    assert "Paper" not in opened.visible_kinds()
    entity_links = sum(1 for *_, rel in seed_graph.edges(keys=True) if rel == "variantOf")
    assert len(opened.js("() => kgView.visibleEdgeIds()")) == entity_links > 0
    # ... and combines with the relation filter ...
    page.uncheck("#kg-relations input[value=variantOf]")
    assert opened.js("() => kgView.edges.get({filter: e => !e.hidden}).length") == 0
    assert opened.visible_kinds() == {
        kind for _, kind in seed_graph.nodes(data="kind") if kind != "Paper"
    }
    # ... and Reset brings everything back.
    page.click("#kg-reset")
    assert opened.js("() => kgView.nodes.get({filter: n => !n.hidden}).length") == n_nodes
    assert opened.js("() => kgView.edges.get({filter: e => !e.hidden}).length") == n_edges
    assert page.locator(".kg-filter input:not(:checked)").count() == 0
    assert opened.js("() => kgView.selectedId()") is None
    assert page.input_value("#kg-search-input") == ""

    assert opened.foreign_requests() == []
    assert opened.errors == []
    opened.context.close()
