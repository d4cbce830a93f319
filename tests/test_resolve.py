"""Entity resolution (issue 3): one node per real thing across the corpus.

Hand-made (Paper, [ExtractedEntity]) lists go through the real resolver and
graph builder; each rule has its own cases."""

from __future__ import annotations

import pytest

from kg.extract.records import EntityType, Evidence, ExtractedEntity
from kg.graph import build_graph, find_node, papers_of
from kg.ingest import Paper, Source, paper_id
from kg.names import match_key, repo_key, slugify
from kg.resolve import family_of, resolve

M, D, METHOD, R = EntityType.MODEL, EntityType.DATASET, EntityType.METHOD, EntityType.REPO


def paper(title: str) -> Paper:
    return Paper(id=paper_id(title), title=title, abstract=f"About {title}.",
                 sources=[Source("hand.txt", 1)])


def ent(text: str, etype: EntityType, *, proposed: bool = False, aliases=(),
        confidence: float = 0.9) -> ExtractedEntity:
    return ExtractedEntity(
        text=text, type=etype, proposed=proposed, aliases=list(aliases),
        evidence=[Evidence(f"We use {text}.", 7, 7 + len(text), "hand", confidence)],
    )


def graph_of(*papers: tuple[str, list[ExtractedEntity]]):
    extracted = [(paper(title), entities) for title, entities in papers]
    resolution = resolve(extracted)
    return resolution, build_graph(extracted, resolution)


def entity_nodes(G) -> dict[str, dict]:
    return {n: d for n, d in G.nodes(data=True) if d["kind"] != "Paper"}


# -- match keys ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("CIFAR10", "CIFAR-10"),
        ("Llama 2", "Llama-2"),
        ("Llama-2", "LLaMA-2"),
        ("CNNs", "CNN"),
        ("Transformers", "transformer"),
        ("Gaussian processes", "Gaussian process"),
        ("knowledge bases", "Knowledge Base"),
        ("policies", "policy"),
        ("bounding boxes", "bounding box"),
        ("grid searches", "grid search"),
        ("polygon meshes", "polygon mesh"),
        ("key-value caches", "key-value cache"),
        ("recurrent NNs", "recurrent neural networks"),
        ("Llama-2-70B", "Llama 2 70B"),
        ("u-μP", "u-muP"),  # a Greek letter and its ASCII spelling
        ("µP", "muP"),  # the micro sign too
        ("β-VAE", "beta-VAE"),
    ],
)
def test_surface_variants_share_a_key(a, b):
    assert match_key(a) == match_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("GPT-3", "GPT-4"),
        ("YOLOv5", "YOLOv8"),
        ("YOLOv5", "YOLOv5s"),  # a digit before the s: a size, not a plural
        ("Llama-2-13B", "Llama-2-70B"),
        ("DARTS", "DART"),  # upper-case S is part of the name
        ("loss", "los"),
        ("caches", "cach"),  # -ches after a single vowel: the singular ends in e
        ("μP", "P"),  # a Greek letter is part of the name, not dropped
    ],
)
def test_different_things_keep_different_keys(a, b):
    assert match_key(a) != match_key(b)


def test_repo_key_ignores_scheme_www_dot_git_slash_and_case():
    assert repo_key("https://github.com/stanfordnlp/pyreft") == "github.com/stanfordnlp/pyreft"
    assert repo_key("http://www.GitHub.com/StanfordNLP/pyreft.git/") == "github.com/stanfordnlp/pyreft"
    assert slugify("Low-Rank Adaptation") == "low-rank-adaptation"
    assert slugify("!!!") == "x"


# -- one node per thing -------------------------------------------------------


def test_case_hyphen_space_variants_are_one_node_across_papers():
    _res, G = graph_of(
        ("P1", [ent("CIFAR10", D), ent("Llama 2", M)]),
        ("P2", [ent("CIFAR-10", D), ent("Llama-2", M)]),
        ("P3", [ent("LLaMA-2", M), ent("cifar-10", D)]),
    )
    nodes = entity_nodes(G)
    assert set(nodes) == {"dataset:cifar-10", "model:llama-2"}
    assert nodes["dataset:cifar-10"]["label"] == "CIFAR-10"
    assert nodes["dataset:cifar-10"]["aliases"] == ["CIFAR10", "cifar-10"]
    assert nodes["dataset:cifar-10"]["papers"] == 3
    assert nodes["model:llama-2"]["aliases"] == sorted(
        {"Llama 2", "Llama-2", "LLaMA-2"} - {nodes["model:llama-2"]["label"]}
    )
    assert nodes["model:llama-2"]["papers"] == 3
    for name in ("CIFAR10", "cifar-10", "CIFAR-10"):
        assert find_node(G, name) == "dataset:cifar-10"
    assert len(papers_of(G, "dataset:cifar-10", "evaluatedOn")) == 3


def test_plural_variants_are_one_node():
    _, G = graph_of(("P1", [ent("CNNs", METHOD)]), ("P2", [ent("CNN", METHOD)]),
                    ("P3", [ent("CNN", METHOD)]))
    nodes = entity_nodes(G)
    assert list(nodes) == ["method:cnn"]
    assert nodes["method:cnn"]["label"] == "CNN"  # the more frequent form
    assert nodes["method:cnn"]["aliases"] == ["CNNs"]


def test_acronym_defined_in_one_paper_joins_long_form_everywhere():
    res, G = graph_of(
        ("Defines", [ent("Low-Rank Adaptation", METHOD, aliases=["LoRA"])]),
        ("Acronym only", [ent("LoRA", METHOD)]),
        ("Long form only", [ent("low-rank adaptation", METHOD)]),
    )
    nodes = entity_nodes(G)
    assert len(nodes) == 1
    (node, data), = nodes.items()
    assert data["papers"] == 3
    assert {data["label"], *data["aliases"]} == {"Low-Rank Adaptation", "LoRA", "low-rank adaptation"}
    assert find_node(G, "LoRA") == find_node(G, "Low-Rank Adaptation") == node
    assert res.node_of(ent("LoRA", METHOD)) == node


def test_a_known_acronym_joins_its_long_form_without_a_definition():
    extracted = [
        (paper("Acronym"), [ent("SGD", METHOD)]),
        (paper("Long form"), [ent("stochastic gradient descents", METHOD)]),
        (paper("Other"), [ent("Adam", METHOD)]),
    ]
    pairs = [("SGD", "stochastic gradient descent"), ("PPO", "Proximal Policy Optimization")]
    res = resolve(extracted, known_aliases=pairs)
    assert res.node_of(ent("SGD", METHOD)) == res.node_of(ent("stochastic gradient descent", METHOD))
    # A pair nobody names makes no node; one half alone stays as it is.
    assert sorted(res.attrs) == ["method:adam", "method:stochastic-gradient-descents"]
    assert resolve(extracted, known_aliases=[]).node_of(ent("SGD", METHOD)) == "method:sgd"
    # The shipped pairs are the default.
    default = resolve(extracted)
    assert default.node_of(ent("SGD", METHOD)) == default.node_of(ent("stochastic gradient descent", METHOD))


def test_repositories_merge_on_their_url_key():
    _, G = graph_of(
        ("P1", [ent("https://github.com/stanfordnlp/pyreft", R, proposed=True)]),
        ("P2", [ent("http://www.github.com/stanfordnlp/pyreft.git", R)]),
    )
    nodes = entity_nodes(G)
    assert list(nodes) == ["repository:github-com-stanfordnlp-pyreft"]
    data = nodes["repository:github-com-stanfordnlp-pyreft"]
    assert data["kind"] == "Repository"
    assert data["url"] == data["label"]
    assert data["papers"] == 2
    assert {rel for _, _, rel in G.edges(keys=True)} == {"hasCode"}


# -- versions and variants ----------------------------------------------------


def test_versions_never_merge():
    _, G = graph_of(
        ("P1", [ent("GPT-3", M), ent("YOLOv5", M)]),
        ("P2", [ent("GPT-4", M), ent("YOLOv8", M)]),
    )
    assert set(entity_nodes(G)) == {"model:gpt-3", "model:gpt-4", "model:yolov5", "model:yolov8"}
    assert not any(rel == "variantOf" for _, _, rel in G.edges(keys=True))


def test_sized_model_is_its_own_node_linked_to_its_family():
    _res, G = graph_of(
        ("P1", [ent("Llama 2", M)]),
        ("P2", [ent("Llama-2-70B", M), ent("Llama-2-13B", M)]),
        ("P3", [ent("Llama-2-70B", M)]),
    )
    assert set(entity_nodes(G)) == {"model:llama-2", "model:llama-2-70b", "model:llama-2-13b"}
    variant_edges = sorted(
        (u, v, d["support"]) for u, v, rel, d in G.edges(keys=True, data=True) if rel == "variantOf"
    )
    assert variant_edges == [
        ("model:llama-2-13b", "model:llama-2", 1),
        ("model:llama-2-70b", "model:llama-2", 2),
    ]
    # The family keeps only the papers that mention it, not its variants' papers.
    assert G.nodes["model:llama-2"]["papers"] == 1
    assert G.nodes["model:llama-2-70b"]["papers"] == 2


def test_unseen_family_is_created_for_a_variant():
    _, G = graph_of(("P1", [ent("ViT-B/16", M), ent("Mixtral-8x7B", M)]))
    assert G.nodes["model:vit"]["label"] == "ViT"
    assert G.nodes["model:vit"]["papers"] == 0
    assert G.has_edge("model:vit-b-16", "model:vit", key="variantOf")
    assert G.has_edge("model:mixtral-8x7b", "model:mixtral", key="variantOf")


@pytest.mark.parametrize(
    ("name", "family"),
    [
        ("Llama-2-70B", "Llama-2"),
        ("Llama 2 70B", "Llama 2"),
        ("ViT-B/16", "ViT"),
        ("Mixtral-8x7B", "Mixtral"),
        ("BERT-base", "BERT"),
        ("T5-XL", "T5"),
        ("OPT-1.3B", "OPT"),
        ("Falcon40B", "Falcon"),
        ("GPT2-355M", "GPT2"),
        ("GPT-4", None),
        ("GPT-3", None),
        ("YOLOv5", None),
        ("BERT", None),
        # Dataset-style names with a glued K/M are not sized models.
        ("GSM8K", None),
        ("ADE20K", None),
        ("Flickr30k", None),
        ("Human3.6M", None),
    ],
)
def test_family_of(name, family):
    assert family_of(name) == family


def test_a_variant_links_to_a_model_or_method_family_only():
    _, G = graph_of(
        ("P1", [ent("ImageNet", D), ent("ViT", METHOD)]),
        ("P2", [ent("ImageNet-22k", M), ent("ViT-L/14", M)]),
    )
    variants = [(u, v) for u, v, rel in G.edges(keys=True) if rel == "variantOf"]
    assert variants == [("model:vit-l-14", "method:vit")]


def test_variant_rule_applies_to_models_only():
    _, G = graph_of(("P1", [ent("ImageNet-21K", D), ent("BERT-large", METHOD)]))
    assert set(entity_nodes(G)) == {"dataset:imagenet-21k", "method:bert-large"}
    assert G.number_of_edges() == 2


# -- types, relations and determinism -----------------------------------------


def test_type_is_the_majority_vote_and_relations_follow_type_and_proposed():
    _, G = graph_of(
        ("P1", [ent("BERT", M)]),
        ("P2", [ent("BERT", M)]),
        ("P3", [ent("BERT", METHOD), ent("NewNet", METHOD, proposed=True)]),
        ("P4", [ent("SQuAD", D), ent("https://github.com/a/b", R, proposed=True)]),
    )
    assert G.nodes["model:bert"]["kind"] == "Model"
    assert "method:bert" not in G
    rels = {(G.nodes[u]["title"], v, rel) for u, v, rel in G.edges(keys=True)}
    assert rels == {
        ("P1", "model:bert", "uses"),
        ("P2", "model:bert", "uses"),
        ("P3", "model:bert", "uses"),
        ("P3", "method:newnet", "proposes"),
        ("P4", "dataset:squad", "evaluatedOn"),
        ("P4", "repository:github-com-a-b", "hasCode"),
    }


def test_a_tie_prefers_the_more_specific_type():
    _, G = graph_of(("P1", [ent("CLIP", M)]), ("P2", [ent("CLIP", METHOD)]))
    assert list(entity_nodes(G)) == ["model:clip"]


def test_edges_carry_text_proposed_confidence_and_evidence():
    _, G = graph_of(("P1", [ent("Adam", METHOD, confidence=0.75)]))
    (pid,) = [n for n, k in G.nodes(data="kind") if k == "Paper"]
    data = G.edges[pid, "method:adam", "uses"]
    assert data["text"] == "Adam"
    assert data["proposed"] is False
    assert data["confidence"] == 0.75
    assert data["evidence"] == [
        {"sentence": "We use Adam.", "start": 7, "end": 11, "rule": "hand", "confidence": 0.75,
         "source": "hand.txt:1"}
    ]
    assert G.nodes[pid]["sources"] == ["hand.txt:1"]


def test_resolution_does_not_depend_on_paper_order():
    papers = [
        ("P1", [ent("Llama-2", M), ent("CIFAR10", D)]),
        ("P2", [ent("Llama 2", M), ent("CIFAR-10", D), ent("Llama-2-7B", M)]),
        ("P3", [ent("Low-Rank Adaptation", METHOD, aliases=["LoRA"])]),
        ("P4", [ent("LoRA", METHOD)]),
    ]
    _, a = graph_of(*papers)
    _, b = graph_of(*reversed(papers))
    assert sorted(a.nodes) == sorted(b.nodes)
    assert sorted(a.edges(keys=True)) == sorted(b.edges(keys=True))
    for node in a.nodes:
        assert a.nodes[node]["label"] == b.nodes[node]["label"]


def test_relation_follows_the_resolved_type():
    # Two papers call VQA a method, one a dataset: the node is a Method, so
    # the third paper's edge must not be evaluatedOn (a Dataset-only relation).
    _, G = graph_of(
        ("P1", [ent("VQA", METHOD)]), ("P2", [ent("VQA", METHOD)]), ("P3", [ent("VQA", D)]),
    )
    assert list(entity_nodes(G)) == ["method:vqa"]
    assert {rel for _, _, rel in G.edges(keys=True)} == {"uses"}


def test_entities_jsonl_has_one_entry_per_node_even_with_two_relations():
    from kg.entities import entity_records

    # P1 names LoRA twice in ways its own extractor did not join; P2's acronym
    # definition joins them corpus-wide, so P1 links to one node by two relations.
    _, G = graph_of(
        ("P1", [ent("LoRA", METHOD, proposed=True, confidence=0.5),
                ent("Low-Rank Adaptation", METHOD, confidence=0.8)]),
        ("P2", [ent("Low-Rank Adaptation", METHOD, aliases=["LoRA"])]),
    )
    p1 = f"paper:{paper_id('P1')}"
    assert sorted(rel for _, _, rel in G.out_edges(p1, keys=True)) == ["proposes", "uses"]
    records = {r["title"]: r for r in entity_records(G)}
    assert records["P1"]["entities"] == [
        {"text": "Low-Rank Adaptation", "type": "method", "proposed": True,
         "canonical": "Low-Rank Adaptation", "node": "method:low-rank-adaptation",
         "confidence": 0.8},
    ]
    assert records["P2"]["entities"] == [
        {"text": "Low-Rank Adaptation", "type": "method", "proposed": False,
         "canonical": "Low-Rank Adaptation", "node": "method:low-rank-adaptation",
         "confidence": 0.9},
    ]
