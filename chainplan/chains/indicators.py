"""Indicators against the steering committee's targets, computed from the data and the gap report."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from chainplan.chains.gaps import Gap
from chainplan.chains.graph import ChainNetwork

__all__ = ["BLOCKING_GAPS", "chain_indicators"]

#: Gaps that make a chain incomplete. Single points of failure and buyer concentration are risks, reported apart.
BLOCKING_GAPS = frozenset(
    {"no_supermarket_path", "missing_processing", "capacity_shortfall", "compliance_gap", "unlinked_producer"}
)
STAMP_TARGET = 0.9
SAFE_FOOD_TARGET = 10


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def chain_indicators(network: ChainNetwork, gaps: Iterable[Gap]) -> dict[str, Any]:
    """Products reaching supermarket chains, complete chains, stamp and barcode coverage, safe-food chains.

    ``by_tier`` counts per chain tier (district, provincial, national, none) and for all key chains; a chain is
    *complete* when its product has none of :data:`BLOCKING_GAPS`. Stamp and barcode coverage are over the
    products rated 3 stars or more, against the 90 % target.
    """
    gaps_by_product: dict[str, set[str]] = {}
    for gap in gaps:
        gaps_by_product.setdefault(gap.product_code, set()).add(gap.type)
    groups: dict[str, list[str]] = {"district": [], "provincial": [], "national": [], "none": []}
    for code, product in network.products.items():
        groups.setdefault(product["chain_tier"], []).append(code)
    groups["key_chains"] = groups["district"] + groups["provincial"] + groups["national"]
    groups["all"] = list(network.products)
    by_tier = {}
    for tier, codes in groups.items():
        reaching = [c for c in codes if "no_supermarket_path" not in gaps_by_product.get(c, set())]
        complete = [c for c in codes if not gaps_by_product.get(c, set()) & BLOCKING_GAPS]
        by_tier[tier] = {
            "products": len(codes),
            "reaching_supermarket": len(reaching), "reaching_supermarket_share": _share(len(reaching), len(codes)),
            "complete_chains": len(complete), "complete_share": _share(len(complete), len(codes)),
            "e_stamp": sum(bool(network.products[c]["e_stamp"]) for c in codes),
            "barcode": sum(bool(network.products[c]["barcode"]) for c in codes),
            "safe_food_chain": sum(bool(network.products[c]["safe_food_chain"]) for c in codes),
        }
    rated = [p for p in network.products.values() if int(p["stars"]) >= 3]
    stamped = sum(bool(p["e_stamp"]) for p in rated)
    barcoded = sum(bool(p["barcode"]) for p in rated)
    safe_key = int(by_tier["key_chains"]["safe_food_chain"] or 0)
    e_stamp_share = _share(stamped, len(rated))
    barcode_share = _share(barcoded, len(rated))
    return {
        "by_tier": by_tier,
        "rated_3_stars_or_more": len(rated),
        "e_stamp_coverage": {"share": e_stamp_share, "target": STAMP_TARGET,
                             "met": e_stamp_share is not None and e_stamp_share >= STAMP_TARGET},
        "barcode_coverage": {"share": barcode_share, "target": STAMP_TARGET,
                             "met": barcode_share is not None and barcode_share >= STAMP_TARGET},
        "key_products_in_safe_food_chain": {"count": safe_key, "target": SAFE_FOOD_TARGET,
                                            "met": safe_key >= SAFE_FOOD_TARGET},
        "products_reaching_supermarket": by_tier["all"]["reaching_supermarket"],
    }
