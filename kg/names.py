"""Name normalisation shared by the extractor, the resolver and the scorer."""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["match_key", "nn_spelling", "repo_key", "slugify"]


#: "neural network" after a modifier is also written ``NN``: ``recurrent NNs``.
#: ``match_key`` reads the short form back, ``nn_spelling`` writes it.
_NN = re.compile(r"(?<=\w) NN(?=s?$)")
_NEURAL_NETWORK = re.compile(r"(?<=\w) neural network(?=s?$)", re.IGNORECASE)
#: Plurals in ``-es`` after ``ch`` and ``sh`` (``searches``, ``meshes``), but not
#: ``caches`` or ``niches``, whose singular ends in ``e``.
_CH_SH_PLURAL = re.compile(r"(?:(?:[^aeiou]|[aeo][ae])ch|sh)es$")
#: Greek letters as ASCII abstracts spell them (``u-μP`` is written ``u-muP``);
#: keys are lower case, after ``casefold`` (which also turns the micro sign into μ).
_GREEK_NAMES = (
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu "
    "nu xi omicron pi rho sigma sigma tau upsilon phi chi psi omega"
)
_GREEK = str.maketrans(dict(zip("αβγδεζηθικλμνξοπρςστυφχψω", _GREEK_NAMES.split(" "), strict=True)))


@lru_cache(maxsize=1 << 16)
def match_key(text: str) -> str:
    """Letters and digits only, lower-cased, a trailing plural ``s`` dropped.

    >>> match_key("CIFAR-10") == match_key("CIFAR10")
    True
    >>> match_key("CNNs"), match_key("Gaussian processes"), match_key("GPT-4")
    ('cnn', 'gaussianprocess', 'gpt4')
    >>> match_key("Knowledge Bases") == match_key("knowledge base")
    True
    >>> match_key("grid searches"), match_key("caches"), match_key("recurrent NNs")
    ('gridsearch', 'cache', 'recurrentneuralnetwork')
    >>> match_key("u-μP") == match_key("u-muP"), match_key("β-VAE")
    (True, 'betavae')
    """
    text = _NN.sub(" neural network", text.strip())
    # Plural only when the last word ends in a lower-case s (CNNs, adapters),
    # never an upper-case one (DARTS) or -ss/-us/-is (loss, corpus, analysis).
    match = re.search(r"(?<=[A-Za-z])(ies|ses|xes|s)$", text)
    if match and not re.search(r"(ss|us|is)$", text):
        ending = match.group(1)
        if ending == "ies" and len(text) > 4:
            text = text[:-3] + "y"
        elif ending == "xes" or text.endswith("sses"):
            text = text[:-2]  # boxes -> box, processes -> process, losses -> loss
        elif ending == "ses":
            text = text[:-1]  # databases -> database, responses -> response
        elif _CH_SH_PLURAL.search(text):
            text = text[:-2]  # searches -> search, approaches -> approach, meshes -> mesh
        elif ending == "s":
            text = text[:-1]
    return re.sub(r"[^0-9a-z]", "", text.casefold().translate(_GREEK))


def nn_spelling(name: str) -> str:
    """``name`` with a final "neural network(s)" after a modifier written ``NN(s)``.

    >>> nn_spelling("recurrent neural networks"), nn_spelling("neural network")
    ('recurrent NNs', 'neural network')
    """
    return _NEURAL_NETWORK.sub(" NN", name)


def repo_key(url: str) -> str:
    """A repository URL without scheme, ``www.``, ``.git`` or trailing slash, lower-cased."""
    url = re.sub(r"^[a-z]+://", "", url.strip(), flags=re.IGNORECASE)
    url = re.sub(r"^www\.", "", url, flags=re.IGNORECASE)
    url = re.sub(r"(\.git)?/*$", "", url)
    return url.casefold()


def slugify(text: str) -> str:
    """A readable ASCII slug: ``Low-Rank Adaptation`` → ``low-rank-adaptation``."""
    slug = re.sub(r"[^0-9a-z]+", "-", text.casefold()).strip("-")
    return slug[:80] or "x"
