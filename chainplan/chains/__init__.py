"""Supply-chain graphs, tracing to the supermarket chains, gaps, linkage candidates and indicators."""

from __future__ import annotations

from chainplan.chains.candidates import LinkCandidate, gaps_closed_by_plan, linkage_candidates
from chainplan.chains.flow import FlowResult, max_flow_to
from chainplan.chains.gaps import GAP_TYPES, Gap, find_gaps, gap_report, gaps_frame
from chainplan.chains.graph import (
    ChainNetwork,
    UnknownProduct,
    is_supermarket,
    other_channels,
    products_reaching_supermarket,
    supermarket_chains,
)
from chainplan.chains.indicators import chain_indicators
from chainplan.chains.trace import ChainPath, ProductTrace, trace_product

__all__ = [
    "GAP_TYPES",
    "ChainNetwork",
    "ChainPath",
    "FlowResult",
    "Gap",
    "LinkCandidate",
    "ProductTrace",
    "UnknownProduct",
    "chain_indicators",
    "find_gaps",
    "gap_report",
    "gaps_closed_by_plan",
    "gaps_frame",
    "is_supermarket",
    "linkage_candidates",
    "max_flow_to",
    "other_channels",
    "products_reaching_supermarket",
    "supermarket_chains",
    "trace_product",
]
