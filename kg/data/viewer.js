/* kg viewer: legend and filters, search, click-to-highlight and the details panel.
 *
 * Every string from the graph reaches the page through textContent, a DOM
 * property or a Text node, never through innerHTML: a title such as
 * <img src=x onerror=...> stays text. Links are made only for http(s) URLs.
 * Tooltips are DOM elements for the same reason (vis-network renders them as given).
 * See kg/viewer.py for the window.kgView hook this file exposes.
 */
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("kg-data").textContent);
  var details = data.details;
  var edgeDetails = data.edgeDetails;
  var DIM_NODE = { background: "#eef0f2", border: "#dde1e5" };
  var DIM_FONT = { color: "#d5d9dd" };
  var DIM_EDGE = "#eceef0";
  var ABSTRACT_TIP_CHARS = 280;
  var READABLE_LABEL_PX = 12;
  var OUTGOING = {
    proposes: "Proposes", uses: "Uses", evaluatedOn: "Evaluated on",
    hasCode: "Code", variantOf: "Variant of"
  };
  var INCOMING = {
    proposes: "Proposed in", uses: "Used in", evaluatedOn: "Evaluated in",
    hasCode: "Code of", variantOf: "Variants"
  };

  /* Append children, skipping null ones; strings become Text nodes, never markup. */
  function fill(node, children) {
    children.forEach(function (child) {
      if (child !== null && child !== undefined) node.append(child);
    });
    return node;
  }

  function el(tag, props) {
    var node = Object.assign(document.createElement(tag), props || {});
    return fill(node, Array.prototype.slice.call(arguments, 2));
  }

  function clip(text, limit) {
    return text.length <= limit ? text : text.slice(0, limit - 1).trimEnd() + "\u2026";
  }

  function plural(n, word) {
    return n + " " + word + (n === 1 ? "" : "s");
  }

  /* An anchor for an http(s) URL; anything else (javascript:, data:...) stays text. */
  function link(url, text) {
    var href = null;
    try {
      var parsed = new URL(url);
      if (parsed.protocol === "http:" || parsed.protocol === "https:") href = parsed.href;
    } catch (err) {
      href = null;
    }
    if (href === null) return el("span", { textContent: text || url });
    return el("a", { href: href, textContent: text || url, target: "_blank", rel: "noopener noreferrer" });
  }

  function nodeTooltip(id) {
    var d = details[id];
    var meta = d.kind + " \u00b7 " + plural(d.papers, "paper");
    return el("div", { className: "kg-tip" },
      el("strong", { textContent: d.label }),
      el("div", { className: "kg-tip-meta", textContent: meta }),
      d.aliases.length ? el("div", { textContent: "Also: " + d.aliases.join(", ") }) : null,
      d.abstract ? el("p", { textContent: clip(d.abstract, ABSTRACT_TIP_CHARS) }) : null);
  }

  function edgeTooltip(edge) {
    var d = edgeDetails[edge.id];
    var said = d.evidence.length ? "\u201c" + d.evidence[0] + "\u201d"
      : d.support !== null ? "Mentioned in " + plural(d.support, "paper") : null;
    return el("div", { className: "kg-tip" },
      el("strong", { textContent: d.relation }),
      el("div", { className: "kg-tip-meta",
        textContent: clip(details[edge.from].label, 60) + " \u2192 " + clip(details[edge.to].label, 60) }),
      said === null ? null : el("p", { textContent: said }));
  }

  data.nodes.forEach(function (n) { n.title = nodeTooltip(n.id); });
  data.edges.forEach(function (e) { e.title = edgeTooltip(e); });
  var baseNode = new Map(data.nodes.map(function (n) { return [n.id, n]; }));
  var baseEdge = new Map(data.edges.map(function (e) { return [e.id, e]; }));

  var nodes = new vis.DataSet(data.nodes);
  var edges = new vis.DataSet(data.edges);
  var container = document.getElementById("kg-network");
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, data.options);
  var panel = document.getElementById("kg-panel");
  var status = document.getElementById("kg-status");
  var searchInput = document.getElementById("kg-search-input");
  var loading = document.getElementById("kg-loading");
  var selected = null;
  var visibleNodes = new Set(baseNode.keys());
  var visibleEdges = new Set(baseEdge.keys());

  /* Legend and filters are one control: a checkbox per type and per relation. */
  function buildFilter(fieldsetId, name, entries, swatch) {
    var box = document.getElementById(fieldsetId);
    entries.forEach(function (entry) {
      var input = el("input", { type: "checkbox", name: name, value: entry.name, checked: true });
      input.addEventListener("change", applyFilters);
      box.append(el("label", {}, input, " ", swatch(entry), " ", entry.name, " ",
        el("span", { className: "kg-count", textContent: "(" + entry.count + ")" })));
    });
  }
  buildFilter("kg-types", "kind", data.kinds, function (k) {
    var glyph = el("span", { className: "kg-glyph", textContent: k.glyph });
    glyph.style.color = k.color;
    return glyph;
  });
  buildFilter("kg-relations", "relation", data.relations, function (r) {
    var line = el("span", { className: "kg-line" });
    line.style.background = r.color;
    return line;
  });

  function checked(name) {
    var boxes = document.querySelectorAll("input[name='" + name + "']:checked");
    return new Set(Array.prototype.map.call(boxes, function (b) { return b.value; }));
  }

  function applyFilters() {
    var kinds = checked("kind");
    var relations = checked("relation");
    visibleNodes = new Set(data.nodes.filter(function (n) { return kinds.has(n.kind); })
      .map(function (n) { return n.id; }));
    visibleEdges = new Set(data.edges.filter(function (e) {
      return relations.has(e.relation) && visibleNodes.has(e.from) && visibleNodes.has(e.to);
    }).map(function (e) { return e.id; }));
    nodes.update(data.nodes.map(function (n) { return { id: n.id, hidden: !visibleNodes.has(n.id) }; }));
    edges.update(data.edges.map(function (e) { return { id: e.id, hidden: !visibleEdges.has(e.id) }; }));
    showStatus("");
  }

  function showStatus(message) {
    var counts = "Showing " + visibleNodes.size + " of " + data.nodes.length + " nodes, " +
      visibleEdges.size + " of " + data.edges.length + " links.";
    status.textContent = message ? message + " \u00b7 " + counts : counts;
  }

  /* Highlight a node and its neighbours, dim the rest (colours only: filters own `hidden`).
     The highlighted labels grow to stay readable at the current zoom. */
  function highlight(id) {
    var all = id === null;
    var keep = new Set(all ? [] : network.getConnectedNodes(id).concat([id]));
    var keepEdges = new Set(all ? [] : network.getConnectedEdges(id));
    var minSize = Math.round(READABLE_LABEL_PX / network.getScale());
    nodes.update(data.nodes.map(function (n) {
      if (all) return { id: n.id, color: n.color, font: n.font };
      if (!keep.has(n.id)) return { id: n.id, color: DIM_NODE, font: DIM_FONT };
      return { id: n.id, color: n.color, font: Object.assign({}, n.font, { size: Math.max(n.font.size, minSize) }) };
    }));
    edges.update(data.edges.map(function (e) {
      return { id: e.id, color: all || keepEdges.has(e.id) ? e.color : DIM_EDGE };
    }));
  }

  function nodeButton(id) {
    var button = el("button", { type: "button", className: "kg-node-link", textContent: details[id].label });
    button.addEventListener("click", function () { focusNode(id); });
    return button;
  }

  function row(list, term, value) {
    if (value !== null && value !== undefined && value !== "") list.append(el("dt", { textContent: term }), el("dd", {}, value));
  }

  function showNode(id) {
    var d = details[id];
    var facts = el("dl");
    row(facts, "Also", d.aliases.join(", "));
    row(facts, "Papers", d.kind === "Paper" ? null : String(d.papers));
    row(facts, "Date", d.date);
    row(facts, "Id", d.externalId);
    row(facts, d.kind === "Paper" ? "Source link" : "Link", d.url ? link(d.url) : null);
    row(facts, "Read from", d.sources && d.sources.length ? d.sources.join(", ") : null);
    panel.replaceChildren();
    fill(panel, [
      el("p", { className: "kg-kind", textContent: d.kind }),
      el("h2", { textContent: d.label }),
      facts,
      d.abstract ? el("p", { className: "kg-abstract", textContent: d.abstract }) : null]);
    var groups = new Map();
    network.getConnectedEdges(id).forEach(function (edgeId) {
      var e = baseEdge.get(edgeId);
      var heading = e.from === id ? OUTGOING[e.relation] : INCOMING[e.relation];
      if (!groups.has(heading)) groups.set(heading, []);
      groups.get(heading).push(e.from === id ? e.to : e.from);
    });
    groups.forEach(function (ids, heading) {
      ids.sort(function (a, b) { return details[a].label.localeCompare(details[b].label); });
      panel.append(el("h3", { textContent: heading + " (" + ids.length + ")" }),
        fill(el("ul"), ids.map(function (other) { return el("li", {}, nodeButton(other)); })));
    });
  }

  function showEdge(edgeId) {
    var e = baseEdge.get(edgeId);
    var d = edgeDetails[edgeId];
    var facts = el("dl");
    row(facts, "From", nodeButton(e.from));
    row(facts, "To", nodeButton(e.to));
    row(facts, "As written", d.text);
    row(facts, "Proposed", d.proposed === null ? null : d.proposed ? "yes" : "no");
    row(facts, "Confidence", d.confidence === null ? null : d.confidence.toFixed(2));
    row(facts, "Support", d.support === null ? null : plural(d.support, "paper"));
    panel.replaceChildren();
    fill(panel, [
      el("p", { className: "kg-kind", textContent: "Link" }),
      el("h2", { textContent: d.relation }),
      facts,
      d.evidence.length ? el("h3", { textContent: "Evidence" }) : null]);
    fill(panel, d.evidence.map(function (sentence) { return el("blockquote", { textContent: sentence }); }));
  }

  function showHint() {
    panel.replaceChildren(el("p", { className: "kg-hint",
      textContent: "Click a node to see its details and neighbours, or a link to see its evidence. " +
        "Click the background to clear." }));
  }

  /* The node named `text` (label or alias, any case): exact, then prefix, then substring;
     ties go to the node more papers touch. */
  function findNode(text) {
    var want = text.trim().toLocaleLowerCase();
    if (!want) return null;
    var best = null, bestRank = 3, bestPapers = -1;
    data.nodes.forEach(function (n) {
      var d = details[n.id];
      [d.label].concat(d.aliases).forEach(function (name) {
        var s = name.toLocaleLowerCase();
        var rank = s === want ? 0 : s.startsWith(want) ? 1 : s.includes(want) ? 2 : 3;
        if (rank < bestRank || (rank === bestRank && rank < 3 && d.papers > bestPapers)) {
          best = n.id; bestRank = rank; bestPapers = d.papers;
        }
      });
    });
    return best;
  }

  function focusNode(id) {
    selected = id;
    showNode(id);
    if (!visibleNodes.has(id)) {
      network.unselectAll();
      highlight(null);
      showStatus(details[id].label + " is hidden by the filters");
      return;
    }
    var around = network.getConnectedNodes(id).filter(function (n) { return visibleNodes.has(n); });
    network.fit({ nodes: [id].concat(around), maxZoomLevel: 1.5, animation: false });
    network.selectNodes([id]);
    highlight(id);
    showStatus("Selected " + clip(details[id].label, 60));
  }

  function clearSelection() {
    selected = null;
    network.unselectAll();
    highlight(null);
    showHint();
    showStatus("");
  }

  document.getElementById("kg-search").addEventListener("submit", function (event) {
    event.preventDefault();
    var id = findNode(searchInput.value);
    if (id === null) showStatus("Nothing is named \u201c" + searchInput.value + "\u201d");
    else focusNode(id);
  });

  document.getElementById("kg-reset").addEventListener("click", function () {
    document.querySelectorAll(".kg-filter input").forEach(function (b) { b.checked = true; });
    searchInput.value = "";
    applyFilters();
    clearSelection();
    network.fit();
  });

  network.on("click", function (params) {
    if (params.nodes.length) focusNode(params.nodes[0]);
    else if (params.edges.length) { selected = null; highlight(null); showEdge(params.edges[0]); }
    else clearSelection();
  });

  var names = document.getElementById("kg-names");
  new Set(data.nodes.flatMap(function (n) { return [details[n.id].label].concat(details[n.id].aliases); }))
    .forEach(function (name) { names.append(el("option", { value: name })); });

  var view = {
    ready: false,
    readyAt: null,
    network: network,
    nodes: nodes,
    edges: edges,
    find: findNode,
    focus: focusNode,
    selectedId: function () { return selected; },
    visibleNodeIds: function () { return Array.from(visibleNodes); },
    visibleEdgeIds: function () { return Array.from(visibleEdges); }
  };
  window.kgView = view;

  /* Lay out once, then freeze: a settled graph stays still while people read it. */
  function settle() {
    if (view.ready) return;
    network.setOptions({ physics: { enabled: false } });
    loading.remove();
    view.ready = true;
    view.readyAt = performance.now();
    document.body.dataset.ready = "true";
  }
  network.on("stabilizationProgress", function (p) {
    loading.textContent = "Laying out " + plural(data.nodes.length, "node") + "\u2026 " +
      Math.round(100 * p.iterations / p.total) + "%";
  });
  network.once("stabilizationIterationsDone", settle);
  if (data.nodes.length === 0) settle();
  showHint();
  showStatus("");
})();
