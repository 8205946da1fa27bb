"""A realistic fictional AI organisation's bills, for ``spendscope demo`` and for benchmarks.

``generate(out_dir)`` writes Northwind AI's FOCUS 1.2 exports for AWS, Azure, Google Cloud, OpenAI
and Anthropic (one file per provider and billing month, each in its provider's format) and
``labels.json``, the anomalies injected into them. The same seed gives byte-identical files.

>>> from spendscope.demo import generate
>>> result = generate("demo-out", months=2)            # doctest: +SKIP
"""

from spendscope.demo.generator import DemoResult, PartitionTotals, generate

__all__ = ["DemoResult", "PartitionTotals", "generate"]
