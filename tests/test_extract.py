"""The extractor on hand-made abstracts: pure helpers, each component, the pipeline.

Rule behaviour is tested with the learned filter switched off (fixed per-rule
confidences), so these tests do not move when the models are retrained; a few
end-to-end cases use the shipped models on names no reasonable model drops.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
import spacy
from conftest import SEEDS

from kg.extract import build_pipeline, entities_from_doc, extract, get_pipeline
from kg.extract.abbreviations import find_definitions, initials_long_form, spells
from kg.extract.candidates import NAME_SHAPE, name_matches
from kg.extract.grouping import Named, entity_groups
from kg.extract.links import clean_url, find_links
from kg.extract.tokenizer import tune_tokenizer
from kg.ingest import Paper, dedupe_papers, paper_id, read_papers
from kg.names import match_key

RULES_ONLY = {"kg_typer": {"use_filter": False}, "kg_proposed": {"use_model": False}}


@pytest.fixture(scope="module")
def rules_nlp():
    return build_pipeline(RULES_ONLY)


def entities(nlp, text: str) -> dict[str, object]:
    return {e.text: e for e in entities_from_doc(nlp(text))}


# ---------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    ("text", "short", "long"),
    [
        ("We use Low-Rank Adaptation (LoRA) here.", "LoRA", "Low-Rank Adaptation"),
        ("for Self Supervised Learning (SSL).", "SSL", "Self Supervised Learning"),
        ("Parameter-efficient transfer learning (PETL) has", "PETL", "Parameter-efficient transfer learning"),
        ("the k-dimensional Weisfeiler-Leman (kWL) test", "kWL", "k-dimensional Weisfeiler-Leman"),
        ("LoRA (Low-Rank Adaptation) is", "LoRA", "Low-Rank Adaptation"),
        ("with graph neural networks (GNNs; Kipf 2017)", "GNNs", "graph neural networks"),
        ("on many modalities -- Vision Transformer (ViT) and more", "ViT", "Vision Transformer"),
        ("Low-Rank Adaptation (LoRA, Hu et al.) is", "LoRA", "Low-Rank Adaptation"),
    ],
)
def test_acronym_definitions(text, short, long):
    found = list(find_definitions(text))
    assert [(d.short, d.long) for d in found] == [(short, long)]
    d = found[0]
    assert text[d.short_start : d.short_end] == short
    assert text[d.long_start : d.long_end] == long


@pytest.mark.parametrize(
    "text",
    [
        "We fine-tune LoRA on GPT-4/5, C++Net and x+GPT-2 (e.g. ResNet.) with iFormer-S and nnUNet.",
        "3DGS beats 7B models; A-B, ab1Cd, CIFAR10/100 and U.S. data",
        "no names here at all",
    ],
)
def test_name_scan_finds_what_the_name_pattern_finds(text):
    """The fast scan is an optimisation of ``NAME_SHAPE.finditer``, never a change."""
    assert [m.span() for m in name_matches(text)] == [m.span() for m in NAME_SHAPE.finditer(text)]


def test_one_word_long_form_must_spell_the_acronym():
    assert list(find_definitions("a low-rank (LoRA) update")) == []
    assert [d.long for d in find_definitions("the Weisfeiler-Leman (WL) test")] == ["Weisfeiler-Leman"]


def test_a_parenthesised_list_of_names_defines_nothing():
    """``approaches (SHAP, LIME)``: S-H-A-P can be read out of the words before
    the parenthesis, but a list of names is no definition."""
    assert list(find_definitions("several of the most widely used approaches (SHAP, LIME, permutation tests)")) == []


def test_initials_long_form():
    assert initials_long_form("CNN", "deep Convolutional Neural Networks") == "Convolutional Neural Networks"
    assert initials_long_form("PEFT", "Parameter-Efficient Fine-Tuning") == "Parameter-Efficient Fine-Tuning"
    assert initials_long_form("GAN", "a neural network") is None


@pytest.mark.parametrize(
    ("raw", "url"),
    [
        ("https://github.com/a/b.", "https://github.com/a/b"),
        ("https://github.com/NUS-HPC-AI-Lab/Recurrent-Parameter-Generation{here}.",
         "https://github.com/NUS-HPC-AI-Lab/Recurrent-Parameter-Generation"),
        ("https://github.com/a/b.git.", "https://github.com/a/b.git"),
        ("https://en.wikipedia.org/wiki/Foo_(bar)).", "https://en.wikipedia.org/wiki/Foo_(bar)"),
        ("https://fraunhoferhhi.github.io/Self-Organizing-Gaussians/",
         "https://fraunhoferhhi.github.io/Self-Organizing-Gaussians/"),
    ],
)
def test_clean_url(raw, url):
    assert clean_url(raw) == url


def test_find_links_in_text():
    text = "Code: github.com/edwardjhu/TP4. Data at (https://huggingface.co/datasets/x/y)."
    assert [url for _, _, url in find_links(text)] == [
        "github.com/edwardjhu/TP4",
        "https://huggingface.co/datasets/x/y",
    ]
    for start, end, url in find_links(text):
        assert text[start:end] == url


@pytest.mark.parametrize(
    ("text", "urls"),
    [
        ("Our source code will be available at MindSpore/models.", ["MindSpore/models"]),
        ("Code and models are publicly available at org/repo-name (MIT).", ["org/repo-name"]),
        ("The code is available at https://github.com/a/b.", ["https://github.com/a/b"]),
        ("Results on train/test splits are available at request.", []),
        ("We compare input/output pairs; code is not available.", []),
    ],
)
def test_bare_code_path_only_where_code_is_said_to_be(text, urls):
    assert [url for _, _, url in find_links(text)] == urls


def _span(match):
    return None if match is None else match.span()


def test_tokenizer_fast_paths_answer_as_the_patterns_do():
    """The affix fast paths of kg.extract.tokenizer must return what spaCy's
    patterns return, on every white-space chunk of the seeds and on chunks
    made to hit each affix rule."""
    tokenizer = get_pipeline().tokenizer
    prefix, suffix, infix = (
        tokenizer.prefix_search,
        tokenizer.suffix_search,
        tokenizer.infix_finditer,
    )
    tricky = [
        "US$5", "C$3", "A$", "5km", "10kg.", "GPT-2s", "it's", "It’S", "U.S.", "ViT-L.",
        "ImageNet-X.", "a/b", "x~y", "naïve", "Straße", "(LoRA)", "résumé", "LoRA,", "“quoted”",
        "+5", "+x", "§3", "a.b", "ab", "A", "3", "", "x²", "2²", "e.g.", "k-NN", "don't",
    ]  # fmt: skip
    chunks = {c for p in dedupe_papers(read_papers([SEEDS])) for c in p.text.split()} | set(tricky)
    for chunk in sorted(chunks):
        assert _span(prefix(chunk)) == _span(prefix.__self__.search(chunk)), chunk
        assert _span(suffix(chunk)) == _span(suffix.__self__.search(chunk)), chunk
        assert [m.span() for m in infix(chunk)] == [m.span() for m in infix.__self__.finditer(chunk)], chunk


def test_tokenizer_caches_abstracts_and_tokenises_as_with_the_whitespace_exceptions():
    """spaCy caches none of a text's chunks after its first special case, and
    the title's line break was one; without the white-space exceptions every
    text tokenises exactly as with them."""
    ours = get_pipeline().tokenizer
    assert not [rule for rule in ours.rules if rule.isspace()]
    with_exceptions = spacy.blank("en")
    tune_tokenizer(with_exceptions)
    assert "\n" in with_exceptions.tokenizer.rules
    texts = [p.text for p in dedupe_papers(read_papers([SEEDS]))]
    texts += ["a  b\tc\xa0d \n e\n\nf", "x \u00a0 y", "  lead", "trail  ", "\n", " ", "\t\t"]
    for text in texts:
        expected = [(t.text, t.whitespace_) for t in with_exceptions.tokenizer(text)]
        assert [(t.text, t.whitespace_) for t in ours(text)] == expected, text[:60]


# ---------------------------------------------------------------- components


def test_sentences_title_apart_and_abbreviations_kept(rules_nlp):
    doc = rules_nlp("A Title: Without Full Stop\nWe use e.g. LoRA. Then 3 runs follow. Done?")
    assert [s.text.strip() for s in doc.sents] == [
        "A Title: Without Full Stop",
        "We use e.g. LoRA.",
        "Then 3 runs follow.",
        "Done?",
    ]


@pytest.mark.parametrize("text", ["", "X", "warm up: no line break and one sentence"])
def test_degenerate_texts_pass_through(text):
    doc = get_pipeline()(text)
    assert isinstance(entities_from_doc(doc), list)
    if len(doc):
        assert len(list(doc.sents)) == 1


def test_acronym_pair_is_one_entity_named_by_its_long_form(rules_nlp):
    found = entities(rules_nlp, "T\nWe adapt models with Low-Rank Adaptation (LoRA). LoRA is cheap.")
    assert "Low-Rank Adaptation" in found
    assert found["Low-Rank Adaptation"].aliases == ["LoRA"]
    assert "LoRA" not in found


def test_a_known_name_inside_a_long_form_is_not_the_acronym():
    found = entities(
        get_pipeline(),
        "AF-KAN: Activation Function-Based Kolmogorov-Arnold Networks\nKolmogorov-Arnold Networks "
        "(KANs) are new. To address this, we introduce Activation Function-Based Kolmogorov-Arnold "
        "Networks (AF-KAN), expanding ReLU-KAN. AF-KAN beats KANs.",
    )
    groups = [{e.text, *e.aliases} for e in found.values()]
    assert not any({"AF-KAN", "KANs"} <= group for group in groups), groups


def test_an_acronym_joins_its_long_form_written_elsewhere(rules_nlp):
    """The title's ``Motion Blender Gaussian Splatting`` and the abstract's
    ``MBGS`` are one entity, even when the long form's own mention in the
    definition was not kept."""
    doc = rules_nlp("Motion Blender Gaussian Splatting\nWe propose Motion Blender Gaussian Splatting (MBGS).")
    title, short = doc[0:4], doc[-3:-2]
    assert (title.text, short.text) == ("Motion Blender Gaussian Splatting", "MBGS")
    items = [Named(span, span.text, match_key(span.text)) for span in (title, short)]
    groups, long_keys = entity_groups(doc, items)
    assert groups == [[0, 1]] and long_keys == {items[0].key}


def test_a_definition_joins_the_fuller_name_its_long_form_ends(rules_nlp):
    """Schwartz & Hearst take ``dynamic algorithm configuration`` as the long
    form of DAC; the title writes the name with the word before it."""
    text = (
        "Automated Dynamic Algorithm Configuration\nWe survey automated dynamic algorithm "
        "configuration (DAC). DAC adapts parameters."
    )
    doc = rules_nlp(text)
    title, short = doc[0:4], doc[-4:-3]
    assert (title.text, short.text) == ("Automated Dynamic Algorithm Configuration", "DAC")
    items = [Named(span, span.text, match_key(span.text)) for span in (title, short)]
    groups, long_keys = entity_groups(doc, items)
    assert groups == [[0, 1]] and long_keys == {items[0].key}


def test_acronym_joined_by_initials_without_a_definition(rules_nlp):
    found = entities(rules_nlp, "T\nConvolutional Neural Networks are strong. CNNs win on ImageNet.")
    assert "CNNs" in found["Convolutional Neural Networks"].aliases


@pytest.mark.parametrize(
    ("short", "long", "same"),
    [
        ("VAEs", "variational autoencoders", True),
        ("E2P", "Embedding-to-Prefix", True),
        ("CoPA-Merging", "Complementary Parameter Adaptation", True),
        ("DAC", "Dynamic Algorithm Configuration", True),
        ("LoRA", "Spectral-Aware Low-Rank Adaptation", False),
        ("GAN", "Gaussian process", False),
        ("Gemma", "Gemma-2", False),
        ("YOLO-MS", "YOLOv8-N", False),
    ],
)
def test_spells_without_a_definition(short, long, same):
    assert spells(short, long) is same


def test_a_defined_acronym_is_not_joined_to_another_long_form(rules_nlp):
    found = entities(
        rules_nlp,
        "T\nWe propose Reference-free Preference Steering (RePS). Unlike representation steering, "
        "RePS is robust.",
    )
    assert found["Reference-free Preference Steering"].aliases == ["RePS"]


def test_repo_links_are_proposed_and_clean(rules_nlp):
    found = entities(rules_nlp, "T\nOur code is available at https://github.com/dongzelian/SSF.")
    repo = found["https://github.com/dongzelian/SSF"]
    assert repo.type.value == "repo" and repo.proposed
    (evidence,) = repo.evidence
    assert (evidence.start, evidence.end) == (
        len("T\nOur code is available at "),
        len("T\nOur code is available at https://github.com/dongzelian/SSF"),
    )


def test_a_link_keeps_no_latex_leftover(rules_nlp):
    # The tokenizer splits the closing brace off: the link's token is ".../Gen{here".
    found = entities(rules_nlp, "T\nCode is at https://github.com/a/Gen{here}. It is fast.")
    assert [e.text for e in found.values() if e.type.value == "repo"] == ["https://github.com/a/Gen"]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("T\nWe propose two methods, named {LoRETTA}_{adp} and more.", "{LoRETTA}_{adp}"),
        ("T\nWe propose MP, namely MP_{+}. It works.", "MP_{+}"),
        ("T\nWe propose ScaledGD(\\lambda), a preconditioned method.", "ScaledGD(\\lambda)"),
    ],
)
def test_a_name_keeps_its_latex_subscript_or_argument(rules_nlp, text, name):
    surfaces = {f for e in entities_from_doc(rules_nlp(text)) for f in (e.text, *e.aliases)}
    assert name in surfaces


def test_a_lone_latex_symbol_is_no_name(rules_nlp):
    assert entities(rules_nlp, "T\nThe weights W_{ij} and B_{ij} are learned.") == {}


def test_versions_and_sizes_stay_with_the_name(rules_nlp):
    found = entities(
        rules_nlp,
        "T\nWe fine-tune Llama 3.1, LLaMA2-7B/13B and iFormer-S on CIFAR10/100 and Alpaca-Eval v1.0 "
        "with GPT-2s as judges.",
    )
    for name in ("Llama 3.1", "LLaMA2-7B", "iFormer-S", "CIFAR10", "Alpaca-Eval v1.0", "GPT-2"):
        assert name in found, sorted(found)
    assert found["CIFAR10"].type.value == "dataset"
    assert found["Llama 3.1"].type.value == "model"


def test_a_translation_benchmark_keeps_its_language_pair(rules_nlp):
    found = entities(
        rules_nlp,
        "T\nWe train on WMT 2014 English-German, WMT16 En-Ro and IWSLT14 De→En, and on WMT 2014 "
        "for English-Hindi.",
    )
    for name in ("WMT 2014 English-German", "WMT16 En-Ro", "IWSLT14 De→En", "WMT 2014"):
        assert name in found and found[name].type.value == "dataset", sorted(found)


def test_a_sentence_end_after_a_size_is_not_part_of_the_name(rules_nlp):
    found = entities(rules_nlp, "T\nWe tune the LoRA parameters of LLaMA-7B. Then the U.S. team won.")
    assert "LLaMA-7B" in found, sorted(found)


def test_candidates_never_straddle_numbers_parentheses_or_two_names(rules_nlp):
    found = entities(
        rules_nlp,
        "T\nOn ImageNet-1K with 16.2ms latency, (MarioGA) and NeuroEvolution beat AlexNet/ResNet "
        "and the Transformer architecture; GPT-3 on GLUE.",
    )
    assert "SHERL" in entities(rules_nlp, "T\nWe propose SHERL for resource-limited tuning.")
    assert "chen2022active" not in entities(rules_nlp, "T\nRecently, chen2022active gave an algorithm.")
    for junk in ("ImageNet-1K with 16.2ms", "(MarioGA) and NeuroEvolution", "AlexNet/ResNet",
                 "Transformer architecture", "GPT-3 on GLUE"):
        assert junk not in found
    for name in ("ImageNet-1K", "AlexNet", "Transformer", "GPT-3", "GLUE"):
        assert name in found, sorted(found)


def test_a_name_ending_in_corpus_or_benchmark_is_a_dataset(rules_nlp):
    found = entities(rules_nlp, "T\nWe build the Human ChatGPT Comparison Corpus (HCCC) for detection.")
    assert found["Human ChatGPT Comparison Corpus"].type.value == "dataset"
    found = entities(rules_nlp, "T\nWe test on FooBench and on ZetaQA, and rank by FullBench scores.")
    assert {found[n].type.value for n in ("FooBench", "ZetaQA", "FullBench")} == {"dataset"}


def test_a_title_case_name_ending_in_corpus_or_leaderboard_is_found(rules_nlp):
    found = entities(
        rules_nlp,
        "T\nOur model beats experts on the Human ChatGPT Comparison Corpus and tops the "
        "Open PL LLM Leaderboard. The Benchmark is hard.",
    )
    assert {found[n].type.value for n in ("Human ChatGPT Comparison Corpus", "Open PL LLM Leaderboard")} == {
        "dataset"
    }
    assert "The Benchmark" not in found


def test_a_title_case_name_ending_in_a_technique_noun_is_a_candidate(rules_nlp):
    doc = rules_nlp("T\nWe compare with Deep Signed Distance Functions and with Routing Networks. Layer Height matters.")
    found = [c.text for c in doc.spans["kg_candidates"] if c.id_ == "caps"]
    assert found == ["Deep Signed Distance Functions", "Routing Networks"]


def test_metrics_compute_units_and_acronym_spelling_capitals_are_no_names(rules_nlp):
    found = entities(
        rules_nlp,
        "DeFINE: DEep Factorized INput Token Embeddings\nWe propose DeFINE. It reaches 40.2 APbox "
        "and 30 APl in 3 TPU-months, beating FOOnet.",
    )
    assert "DeFINE" in found and "FOOnet" in found
    assert not {"DEep", "INput", "APbox", "APl", "TPU-months"} & set(found), sorted(found)


def test_names_that_end_one_another_are_flagged_for_the_filter(rules_nlp):
    doc = rules_nlp("T\nWe use knowledge distillation. The distillation helps LoRA.")
    features = {span.text: set(f) for span, _rule, _type, f in rules_nlp.get_pipe("kg_typer").scored_candidates(doc)}
    assert "head_of_longer" in features["distillation"]
    assert "head_of_longer" not in features["knowledge distillation"] | features["LoRA"]
    assert "ends_in_other" in features["knowledge distillation"]
    assert "ends_in_other" not in features["distillation"] | features["LoRA"]


def test_a_colon_list_in_a_sentence_about_datasets_types_its_names(rules_nlp):
    found = entities(
        rules_nlp,
        "T\nWe present novel datasets in three categories: ToyMix, LargeMix and UltraLarge. "
        "Our models: FooNet and BarNet.",
    )
    assert {found[n].type.value for n in ("ToyMix", "LargeMix", "UltraLarge")} == {"dataset"}
    assert {found[n].type.value for n in ("FooNet", "BarNet")} == {"method"}


def test_an_apposition_that_says_dataset_types_the_name(rules_nlp):
    found = entities(rules_nlp, "T\nWe introduce CONCODE, a new large dataset of code. CONCODE is hard.")
    assert found["CONCODE"].type.value == "dataset"


def test_a_size_letter_makes_a_model_and_keeps_its_full_stop(rules_nlp):
    found = entities(rules_nlp, "T\nRevCol-H beats Swin-T and DeiT-Ti on ImageNet-E and ImageNet-X.")
    assert {n: found[n].type.value for n in ("RevCol-H", "Swin-T", "DeiT-Ti")} == dict.fromkeys(
        ("RevCol-H", "Swin-T", "DeiT-Ti"), "model"
    )
    assert found["ImageNet-X"].type.value == "dataset"


def test_a_slash_between_names_splits_them(rules_nlp):
    found = entities(rules_nlp, "T\nWe test visual grounding (RefCOCO/+/g) with AlexNet/ResNet backbones.")
    assert {"RefCOCO", "AlexNet", "ResNet"} <= set(found), sorted(found)


def test_a_variant_of_a_known_dataset_is_a_dataset(rules_nlp):
    found = entities(rules_nlp, "T\nWe build ImageNet-PD and test on CIFAR-10-C and COCO-Stuff with CoPA-Merging.")
    assert found["ImageNet-PD"].type.value == "dataset"
    assert found["CIFAR-10-C"].type.value == "dataset"
    assert found["CoPA-Merging"].type.value == "method"  # not COPA, the dataset


def test_an_introduced_phrase_counts_when_the_abstract_reuses_it(rules_nlp):
    text = "T\nWe propose a competition mechanism to route tokens. {} beats dense routing."
    assert "competition mechanism" in entities(rules_nlp, text.format("The competition mechanism"))
    assert "competition mechanism" not in entities(rules_nlp, text.format("It"))
    # One modifier before a generic head describes: "a multi-level framework".
    text = "T\nWe propose a multi-level framework for speed. The multi-level idea helps."
    assert not {"multi-level", "multi"} & set(entities(rules_nlp, text))


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("We combine it with Unit Scaling, a method for designing models.", "Unit Scaling"),
        ("This work introduces a simple framework, Feature Multiplexing, where one space serves.", "Feature Multiplexing"),
    ],
)
def test_a_title_case_name_in_apposition_to_its_kind_counts(rules_nlp, text, name):
    assert name in entities(rules_nlp, "T\n" + text)


def test_an_apposition_takes_no_sentence_opening_word(rules_nlp):
    doc = rules_nlp("T\nWe train. Quantization, a technique for speed, helps.")
    assert not [c for c in doc.spans["kg_candidates"] if c.id_ == "appositive"]


def test_a_title_head_stops_at_a_function_word(rules_nlp):
    doc = rules_nlp("Code Representation Learning At Scale\nWe train.")
    assert [c.text for c in doc.spans["kg_candidates"] if c.id_ == "title_head"] == ["Code Representation Learning"]


@pytest.mark.parametrize(
    "title",
    ["Transformers Struggle to Learn to Search", "Transformers Learn Higher-Order Optimization Methods"],
)
def test_a_sentence_like_title_names_nothing(rules_nlp, title):
    doc = rules_nlp(title + "\nWe train.")
    assert [c.text for c in doc.spans["kg_candidates"] if c.id_ == "title_head"] == []


def test_eponymous_techniques_keep_their_noun(rules_nlp):
    found = entities(rules_nlp, "T\nWe compare the Poincare ball with the Lorentz model and a Bingham closure.")
    assert {"Lorentz model", "Bingham closure"} <= set(found), sorted(found)
    assert "Transformer layers" not in entities(rules_nlp, "T\nWe stack twelve Transformer layers.")


def test_proposed_is_decided_per_entity_not_per_mention(rules_nlp):
    """A name introduced once and then reused is proposed in every mention."""
    doc = rules_nlp(
        "T\nWe propose FooNet, a new network for graphs. Baselines lag behind FooNet. FooNet is fast."
    )
    flags = [s._.kg_proposed for s in doc.spans["kg_entities"] if s.text == "FooNet"]
    assert flags == [True, True, True]
    assert entities_from_doc(doc)[0].proposed


def test_proposal_cues_around_a_name(rules_nlp):
    doc = rules_nlp(
        "T\nThe proposed BarNet (our model) consistently outperforms ResNet-50 by 2 points."
    )
    cues = {spans[0].text: set(features) for spans, features in rules_nlp.get_pipe("kg_proposed").entity_features(doc)}
    assert {"the_proposed", "claim_after"} <= cues["BarNet"]
    assert not {"the_proposed", "claim_after"} & cues["ResNet-50"]


def test_a_variant_of_the_papers_own_name_is_cued(rules_nlp):
    doc = rules_nlp("SLAB: Simplified Attention\nWe build SLAB-Swin on top of Swin and beat ResNet-50.")
    cues = {spans[0].text: set(features) for spans, features in rules_nlp.get_pipe("kg_proposed").entity_features(doc)}
    assert "own_name_variant" in cues["SLAB-Swin"]
    assert "own_name_variant" not in cues["ResNet-50"]


def test_a_sized_variant_of_the_titles_acronym_is_cued(rules_nlp):
    doc = rules_nlp("Reversible Column Networks: Deep Nets\nWe propose Reversible Column Networks (RevCol). RevCol-H is big.")
    cues = {spans[0].text: set(features) for spans, features in rules_nlp.get_pipe("kg_proposed").entity_features(doc)}
    assert "own_name_variant" in cues["RevCol-H"]


def test_a_name_that_is_the_whole_title_is_proposed():
    found = entities(get_pipeline(), "Inception Transformer\nWe present the Inception Transformer, built on Transformer.")
    assert found["Inception Transformer"].proposed and not found["Transformer"].proposed


def test_other_entities_of_a_paper_named_in_its_title_and_first_mentions_are_cued(rules_nlp):
    doc = rules_nlp("SLAB: Simplified Attention\nWe propose SLAB and a new FooNorm, and beat ResNet-50.")
    cues = {spans[0].text: set(features) for spans, features in rules_nlp.get_pipe("kg_proposed").entity_features(doc)}
    assert "paper_has_own_name" in cues["FooNorm"] and "paper_has_own_name" not in cues["SLAB"]
    assert "first_at=0" in cues["SLAB"] and "first_at=3" in cues["ResNet-50"]


def test_a_name_the_code_link_repeats_is_cued_and_termed_as_names(rules_nlp):
    doc = rules_nlp("T\nA method termed as SSF scales features. Code: https://github.com/someone/SSF.")
    cues = {spans[0].text: set(features) for spans, features in rules_nlp.get_pipe("kg_proposed").entity_features(doc)}
    assert {"repo_name", "called"} <= cues["SSF"]


def test_generic_phrases_and_metrics_are_not_entities(rules_nlp):
    found = entities(
        rules_nlp,
        "T\nLarge language models (LLMs) and deep learning improve accuracy and FID on GPUs.",
    )
    assert not {"Large language models", "LLMs", "deep learning", "accuracy", "FID", "GPUs"} & set(found)
    assert not entities(rules_nlp, "T\nUnlike autoregressive models and energy-based models, ours is fast.")
    assert not entities(rules_nlp, "T\nThe CLS and SEP tokens of RAW images render at 1000 FPS with tuned HPs.")


def test_a_generic_acronym_defined_as_something_else_keeps_its_long_form(rules_nlp):
    """``SPD`` is generic as *symmetric positive definite*; its long form here
    names a method. The generic meaning itself, and an acronym whose meaning
    the generic list does not spell out (``FID``), still take the pair out."""
    found = entities(rules_nlp, "T\nWe introduce Stochastic Parameter Decomposition (SPD), a method.")
    assert "Stochastic Parameter Decomposition" in found
    for text in (
        "T\nWe use symmetric positive definite matrices (SPD) as features.",
        "T\nWe report the Frechet Inception Distance (FID) of samples.",
    ):
        assert not entities(rules_nlp, text), text


def test_case_sensitive_lexicon_names(rules_nlp):
    assert "MATH" in entities(rules_nlp, "T\nWe report results on the MATH benchmark.")
    assert "math" not in entities(rules_nlp, "T\nWe study the math of attention.")


def test_lexicon_names_match_whether_words_are_hyphenated_or_spaced(rules_nlp):
    found = entities(rules_nlp, "T\nWe merge by model-soup averaging and parameter efficient fine tuning.")
    assert {"model-soup", "parameter efficient fine tuning"} <= set(found)


def test_a_known_neural_network_family_is_found_abbreviated_to_nn(rules_nlp):
    found = entities(rules_nlp, "T\nWe compare recurrent NNs with recurrent neural networks and plain NNs.")
    assert set(found) == {"recurrent neural networks"}
    assert found["recurrent neural networks"].aliases == ["recurrent NNs"]


def test_a_capitalised_spelling_counts_only_where_capitals_mean_something(rules_nlp):
    """``Llama`` is ``LLaMA`` mid-sentence, but a title's or a sentence's
    opening capital makes ``Zero`` (``ZeRO``) out of any word."""
    assert "Llama" in entities(rules_nlp, "T\nWe fine-tune Llama on code.")
    assert not {"Zero", "Record"} & set(entities(rules_nlp, "Towards Zero-Shot Depth\nRecord accuracy follows."))


def test_a_proposed_title_case_phrase_the_title_repeats_is_a_name(rules_nlp):
    """The abstract's "we propose X" mention passes the name check when the
    title holds X as written, and not otherwise."""
    typer = rules_nlp.get_pipe("kg_typer")
    abstract = "To address this, we propose Physically Interpretable World Models, a new architecture."

    def called(title):
        doc = rules_nlp(f"{title}\n{abstract}")
        return [span.text for span, rule, *_ in typer.scored_candidates(doc) if rule == "called"]

    assert called("Towards Physically Interpretable World Models: Weak Supervision") == [
        "Physically Interpretable World Models"
    ]
    assert called("Weak Supervision for Trajectories") == []


def test_title_prefix_is_proposed(rules_nlp):
    found = entities(rules_nlp, "ReFT: Fine-tuning Representations for Language Models\nWe define ReFT.")
    assert found["ReFT"].proposed


def test_list_siblings_share_a_known_type(rules_nlp):
    found = entities(rules_nlp, "T\nWe evaluate on CIFAR-10, SVHN and FooBench and train on them.")
    assert found["FooBench"].type.value == "dataset"


def test_candidate_rules_come_from_config():
    only_links = build_pipeline({"kg_candidates": {"rules": []}, **RULES_ONLY})
    found = entities(only_links, "T\nLoRA on CIFAR-10, code at https://github.com/a/b.")
    assert list(found) == ["https://github.com/a/b"]
    with pytest.raises(ValueError, match="unknown candidate rules"):
        build_pipeline({"kg_candidates": {"rules": ["regex"]}})


def test_components_load_through_the_entry_points():
    """A blank pipeline finds our factories without importing kg (spacy_factories)."""
    code = (
        "import spacy, sys; nlp = spacy.blank('en'); "
        "[nlp.add_pipe(n) for n in ('kg_sentences', 'kg_links', 'kg_acronyms', 'kg_candidates', "
        "'kg_typer', 'kg_proposed')]; "
        "doc = nlp('T\\nCode: https://github.com/a/b'); "
        "print([s.text for s in doc.spans['kg_entities']]); "
        "print('kg' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.splitlines() == ["['https://github.com/a/b']", "True"]


# ---------------------------------------------------------------- pipeline


def test_extract_batches_agree_with_single_docs():
    texts = [
        ("LoRA: Low-Rank Adaptation of Large Language Models",
         "We propose Low-Rank Adaptation (LoRA). We compare with GPT-3 on GLUE."),
        ("A Second Paper", "BERT and RoBERTa are evaluated on SQuAD and MNLI."),
    ]
    papers = [Paper(id=paper_id(t), title=t, abstract=a) for t, a in texts]
    batched = [[(e.text, e.type, e.proposed) for e in ents] for _, ents in extract(papers, batch_size=2)]
    single = [
        [(e.text, e.type, e.proposed) for e in entities_from_doc(get_pipeline()(p.text))] for p in papers
    ]
    assert batched == single
    first = {text: (etype.value, proposed) for text, etype, proposed in batched[0]}
    assert first["Low-Rank Adaptation"] == ("method", True)
    assert first["GPT-3"] == ("model", False)
    assert first["GLUE"] == ("dataset", False)


def test_spacy_blank_is_the_base():
    nlp = get_pipeline()
    assert nlp.lang == "en" and nlp.pipe_names == [
        "kg_sentences", "kg_links", "kg_acronyms", "kg_candidates", "kg_typer", "kg_proposed",
    ]
    assert spacy.blank("en").pipe_names == []


def test_the_typer_says_what_became_of_the_candidates_it_dropped():
    nlp = get_pipeline()  # the shipped filter: its threshold decides
    typer = nlp.get_pipe("kg_typer")
    doc = nlp(
        "Foo: a method\nWe fine-tune Llama-2-7B with LoRA on MNIST. Our AI model uses the "
        "Transformer architecture, and we compare with Llama-2-7B-Chat models."
    )
    kept = {span.text for span in doc.spans["kg_entities"]}
    notes = dict(typer.explain(doc))
    assert {"Llama-2-7B", "LoRA", "MNIST", "Transformer", "Llama-2-7B-Chat"} <= kept
    assert notes["AI"].startswith("dropped before the filter")  # a generic acronym
    assert notes["Llama-2"] == "lost to the overlapping 'Llama-2-7B-Chat'"
    # A name kept somewhere, or kept once trimmed (Transformer architecture), has no note.
    assert not (kept | {"Transformer architecture"}) & set(notes)
    assert all(note.startswith(("dropped", "below the filter", "lost to")) for note in notes.values())
