"""kg: a typed knowledge graph of machine-learning papers, built offline from abstracts.

>>> import kg
>>> g = kg.build(["seeds/"])            # doctest: +SKIP
>>> g.entities(type="dataset")[:3]      # doctest: +SKIP
"""

from kg.api import KnowledgeGraph, build

__all__ = ["KnowledgeGraph", "build"]
__version__ = "0.1.0"
