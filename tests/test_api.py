"""The Python API (``kg.build`` and ``KnowledgeGraph``) and the graph contract
of :mod:`kg.graph`, on the seed graph (built once, see conftest.py) and on
small hand-made inputs. Extraction quality is not tested here: only stable
facts of the seeds (the ReFT repo link, LoRA as a node)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

import kg
from kg.graph import NODE_KINDS, RELATIONS

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
REFT = "ReFT: Representation Finetuning for Language Models"
PYREFT = "https://github.com/stanfordnlp/pyreft"
MOS = "MoS: Unleashing Parameter Efficiency of Low-Rank Adaptation with Mixture of Shards"


def test_build_reads_every_seed_file(seed_kg):
    assert isinstance(seed_kg, kg.KnowledgeGraph)
    assert (seed_kg.report.files, seed_kg.report.read, seed_kg.report.skipped) == (4, 428, [])
    assert seed_kg.graph.graph["inputs"] == [str(SEEDS)]


def test_papers(seed_kg):
    papers = seed_kg.papers()
    assert len(papers) == 395
    assert len({p["id"] for p in papers}) == 395
    assert all(p["id"].startswith("paper:") and p["kind"] == "Paper" for p in papers)
    assert papers[0]["title"] == "Scale Mixtures of Neural Network Gaussian Processes"
    assert papers[0]["sources"] == [f"{(SEEDS / '000_45ff1bc1120a62d4.txt').as_posix()}:11"]
    assert Counter(len(p["sources"]) for p in papers) == {1: 367, 2: 25, 3: 1, 4: 2}
    assert sum(len(p["sources"]) for p in papers) == 428
    first = papers[0]
    assert set(first) == {
        "id", "kind", "label", "aliases", "papers", "title", "abstract", "sources",
        "url", "date", "external_id",
    }
    assert (first["label"], first["aliases"], first["papers"]) == (first["title"], [], 1)
    assert (first["url"], first["date"], first["external_id"]) == (None, None, None)


def test_entities_by_type(seed_kg):
    everything = seed_kg.entities()
    by_type = {t: seed_kg.entities(type=t) for t in ("method", "model", "dataset", "repo")}
    assert sum(len(v) for v in by_type.values()) == len(everything) > 0
    kinds = {"method": "Method", "model": "Model", "dataset": "Dataset", "repo": "Repository"}
    for etype, entities in by_type.items():
        assert {e["kind"] for e in entities} <= {kinds[etype]}
    assert seed_kg.entities(type=kg.api.EntityType.REPO) == by_type["repo"]
    assert PYREFT in {e["url"] for e in by_type["repo"]}
    with pytest.raises(ValueError):
        seed_kg.entities(type="paper")


def test_node_by_key_label_or_alias(seed_kg):
    lora = seed_kg.node("LoRA")
    assert seed_kg.graph.nodes[lora]["kind"] == "Method"
    assert seed_kg.node("lora") == seed_kg.node("Low-Rank Adaptation") == lora
    assert seed_kg.node(lora) == lora
    assert seed_kg.node(REFT).startswith("paper:reft-representation-finetuning")
    with pytest.raises(KeyError, match="no node named 'Zyxwv-Net'"):
        seed_kg.node("Zyxwv-Net")


def test_papers_using(seed_kg):
    lora_papers = seed_kg.papers_using("LoRA")
    assert MOS in lora_papers
    assert lora_papers == seed_kg.papers_using("Low-Rank Adaptation")
    assert len(lora_papers) == len(set(lora_papers))
    assert len(lora_papers) == seed_kg.graph.nodes[seed_kg.node("LoRA")]["papers"]
    assert seed_kg.papers_using(PYREFT) == [REFT]
    assert seed_kg.papers_using(PYREFT, relation="hasCode") == [REFT]
    assert seed_kg.papers_using(PYREFT, relation="uses") == []
    with pytest.raises(KeyError):
        seed_kg.papers_using("Zyxwv-Net")


def test_entities_of_a_paper(seed_kg):
    entities = seed_kg.entities_of(REFT)
    assert entities == seed_kg.entities_of(seed_kg.node(REFT))
    repos = [e for e in entities if e["kind"] == "Repository"]
    assert [(e["label"], e["relation"], e["text"]) for e in repos] == [(PYREFT, "hasCode", PYREFT)]
    for e in entities:
        assert set(e) == {"id", "label", "kind", "relation", "text", "proposed"}
        assert e["relation"] in RELATIONS


# -- the graph contract (kg/graph.py docstring) -------------------------------


def test_nodes_follow_the_contract(seed_kg):
    G = seed_kg.graph
    for node, data in G.nodes(data=True):
        assert data["kind"] in NODE_KINDS
        assert node.startswith(data["kind"].lower() + ":")
        assert isinstance(data["label"], str) and data["label"]
        assert data["aliases"] == sorted(data["aliases"])
        assert data["label"] not in data["aliases"]
        papers = {p for p in G.predecessors(node) if G.nodes[p]["kind"] == "Paper"}
        assert data["papers"] == (1 if data["kind"] == "Paper" else len(papers)), node
        if data["kind"] == "Repository":
            assert data["url"] and not data["url"].endswith((".", ",", ")", ";"))


def test_edges_follow_the_contract(seed_kg):
    G = seed_kg.graph
    relations = Counter()
    for source, target, key, data in G.edges(keys=True, data=True):
        assert key == data["relation"] in RELATIONS
        relations[key] += 1
        kind, target_kind = G.nodes[source]["kind"], G.nodes[target]["kind"]
        if key == "variantOf":
            assert kind == "Model" and target_kind in ("Model", "Method")
            assert isinstance(data["support"], int) and data["support"] >= 1
            continue
        assert kind == "Paper"
        assert (key == "hasCode") == (target_kind == "Repository")
        # (evaluatedOn -> Dataset is not checked here: see test_resolve.py,
        # test_relation_follows_the_resolved_type.)
        assert data["proposed"] is (key == "proposes") or key == "hasCode"
        assert 0 < data["confidence"] <= 1
        text = G.nodes[source]["title"] + "\n" + G.nodes[source]["abstract"]
        assert data["evidence"]
        for ev in data["evidence"]:
            assert set(ev) == {"sentence", "start", "end", "rule", "confidence", "source"}
            assert 0 <= ev["start"] < ev["end"] <= len(text)
            assert ev["sentence"] in text
            assert ev["source"] == G.nodes[source]["sources"][0]
    assert set(relations) == set(RELATIONS)


def test_evidence_offsets_cover_a_surface_form_of_the_node(seed_kg):
    G = seed_kg.graph
    wrong = []
    for paper, node, key, data in G.edges(keys=True, data=True):
        if key == "variantOf":
            continue
        text = G.nodes[paper]["title"] + "\n" + G.nodes[paper]["abstract"]
        forms = {f.casefold() for f in (G.nodes[node]["label"], *G.nodes[node]["aliases"])}
        wrong += [
            text[ev["start"]:ev["end"]] for ev in data["evidence"]
            if text[ev["start"]:ev["end"]].casefold() not in forms
        ]
    assert wrong == []


def test_lora_is_one_node_with_its_long_form(seed_kg):
    data = seed_kg.graph.nodes[seed_kg.node("LoRA")]
    assert data["kind"] == "Method"
    assert "Low-Rank Adaptation" in {data["label"], *data["aliases"]}
    assert data["papers"] >= 10


# -- kg.build on small inputs -------------------------------------------------


def test_build_on_files_with_skip(tmp_path):
    src = tmp_path / "papers.jsonl"
    src.write_text(
        json.dumps({"id": "x1", "title": REFT, "abstract": f"Code: {PYREFT}", "url": "u", "date": "d"})
        + "\n{broken\n",
        encoding="utf-8",
    )
    g = kg.build([src], on_error="skip")
    assert (g.report.read, len(g.report.skipped)) == (1, 1)
    (paper,) = g.papers()
    assert (paper["title"], paper["url"], paper["date"], paper["external_id"]) == (REFT, "u", "d", "x1")
    assert paper["sources"] == [f"{src.as_posix()}:1"]
    assert g.papers_using(PYREFT) == [REFT]
    with pytest.raises(kg.ingest.IngestError, match=r":2: not JSON"):
        kg.build([src])


def test_build_is_deterministic(tmp_path):
    src = tmp_path / "p.txt"
    src.write_text(
        "LoRA Study\nWe fine-tune Llama-2-70B and Llama 2 with Low-Rank Adaptation (LoRA) on "
        "CIFAR-10 and CIFAR10.\nOther Study\nWe use LoRA and GPT-4 on ImageNet.\n",
        encoding="utf-8",
    )
    a, b = kg.build([src]).graph, kg.build([src]).graph
    assert list(a.nodes(data=True)) == list(b.nodes(data=True))
    assert list(a.edges(keys=True, data=True)) == list(b.edges(keys=True, data=True))


def test_write_entities(seed_kg, tmp_path):
    path = tmp_path / "entities.jsonl"
    seed_kg.write_entities(path)
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 395
    assert [f"paper:{r['id']}" for r in records] == [p["id"] for p in seed_kg.papers()]
    for record in records:
        assert set(record) == {"id", "title", "entities"}
        # One entry per distinct entity per paper.
        nodes = [e["node"] for e in record["entities"]]
        assert len(nodes) == len(set(nodes)), record["title"]
        for e in record["entities"]:
            assert {"text", "type", "proposed", "canonical"} <= set(e)
            assert e["type"] in {"method", "model", "dataset", "repo"}
            assert e["canonical"] == seed_kg.graph.nodes[e["node"]]["label"]
    reft = next(r for r in records if r["title"] == REFT)
    assert [e["canonical"] for e in reft["entities"] if e["type"] == "repo"] == [PYREFT]
