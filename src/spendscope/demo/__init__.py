"""A realistic fictional AI organisation's bills, for ``spendscope demo`` and for benchmarks.

``generate(out_dir)`` writes Northwind AI's bills for AWS (CUR 2.0 Parquet), Azure (an amortized
cost export), Google Cloud (a billing export), OpenAI and Anthropic (FOCUS CSV), one file per provider
and billing month, and ``labels.json``, the anomalies injected into them; ``native=False`` writes
every bill as a FOCUS 1.2 export. The same seed gives byte-identical files.

>>> from spendscope.demo import generate
>>> result = generate("demo-out", months=2)            # doctest: +SKIP
"""

from spendscope.demo.generator import DemoResult, PartitionTotals, generate

__all__ = ["DemoResult", "PartitionTotals", "generate"]
