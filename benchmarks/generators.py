"""Synthetic national-scale datasets for the benchmarks (not planning data: shapes and sizes only).

Sizes follow DOMAIN.md: about 16,000 OCOP products, 7,000 producers, 34 provinces after the 2025 merger
(province > commune, no districts), a few thousand processors and distributors, about 100,000 links, and for
allocation about 20,000 plans on three national lines plus one line per province.
"""

from __future__ import annotations

import random
from typing import Any

from chainplan.dataset import Dataset

__all__ = ["national_dataset"]


def national_dataset(
    *,
    seed: int = 1,
    provinces: int = 34,
    communes_per_province: int = 20,
    products: int = 16_000,
    producers: int = 7_000,
    processors: int = 2_000,
    distributors: int = 1_500,
    plans: int = 0,
    trade_promotion_line: bool = True,
) -> Dataset:
    """``trade_promotion_line=False`` leaves two national lines (every third request goes to the province's line)."""
    rng = random.Random(seed)
    regions: list[dict[str, Any]] = []
    communes: dict[str, list[str]] = {}
    for p in range(provinces):
        code = f"T{p:02d}"
        regions.append({"code": code, "name": f"Tỉnh {p}", "level": "province"})
        communes[code] = [f"{code}-X{c:02d}" for c in range(communes_per_province)]
        regions += [{"code": c, "name": f"Xã {c}", "level": "commune", "parent_code": code} for c in communes[code]]
    province_codes = list(communes)

    organizations: list[dict[str, Any]] = []
    by_role: dict[str, dict[str, list[str]]] = {"producer": {}, "processor": {}, "distributor": {}, "retailer": {}}

    def add(code: str, role: str, kind: str, province: str) -> None:
        organizations.append({"code": code, "name": code, "role": role, "kind": kind,
                              "region_code": rng.choice(communes[province])})
        by_role[role].setdefault(province, []).append(code)

    for i in range(producers):
        kind = rng.choice(["cooperative", "company", "household"])
        add(f"SX{i:05d}", "producer", kind, province_codes[i % provinces])
    for i in range(processors):
        add(f"CB{i:05d}", "processor", "company", province_codes[i % provinces])
    for i in range(distributors):
        add(f"PP{i:05d}", "distributor", "wholesaler", province_codes[i % provinces])
    chains = ["GO", "MM", "WIN", "COOP", "ALOHA"]
    for province in province_codes:
        for chain in chains:
            add(f"RT-{chain}-{province}", "retailer", "supermarket_chain", province)
        add(f"RT-OCOP-{province}", "retailer", "ocop_shop", province)
    for platform in ("VOSO", "POSTMART", "SENDO", "TIKI"):
        add(f"RT-{platform}", "retailer", "e_commerce", province_codes[0])

    product_rows: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    demand: list[dict[str, Any]] = []
    seen: set[tuple[str, str, str]] = set()

    def link(source: str, target: str, product: str, capacity: float) -> None:
        if (source, target, product) in seen:
            return
        seen.add((source, target, product))
        links.append({"from_code": source, "to_code": target, "product_code": product, "capacity": capacity,
                      "volume": round(capacity * rng.uniform(0.3, 0.9), 1)})

    for i in range(products):
        province = province_codes[i % provinces]
        producer = rng.choice(by_role["producer"][province])
        code = f"SP{i:05d}"
        output = float(rng.randrange(1_000, 50_000, 100))
        tier = rng.choices(["none", "district", "provincial", "national"], [80, 12, 6, 2])[0]
        product_rows.append({"code": code, "name": code, "group": "food", "producer_code": producer,
                             "region_code": rng.choice(communes[province]), "chain_tier": tier,
                             "stars": rng.choice([0, 3, 3, 4]), "needs_processing": rng.random() < 0.4,
                             "e_stamp": rng.random() < 0.6, "barcode": rng.random() < 0.7, "annual_output": output})
        if rng.random() < 0.05:
            continue
        hops = rng.sample(by_role["processor"][province], k=rng.choice([1, 1, 2]))
        middle = rng.sample(by_role["distributor"][province], k=rng.choice([1, 2]))
        for hop in hops:
            link(producer, hop, code, output * 0.6)
            for distributor in middle:
                link(hop, distributor, code, output * 0.4)
        stores = rng.sample(by_role["retailer"][province][:len(chains)], k=rng.choice([0, 1, 2, 3]))
        for distributor in middle:
            for store in stores:
                link(distributor, store, code, output * 0.2)
        for store in stores:
            demand.append({"retailer_code": store, "product_code": code,
                           "annual_demand": round(output * rng.uniform(0.1, 0.6), 1)})
        link(producer, f"RT-OCOP-{province}", code, output * 0.1)

    budget_lines: list[dict[str, Any]] = [
        {"code": "NTM-DTPT", "name": "NTM đầu tư", "source": "ntm_central", "amount_vnd": 0},
        {"code": "NTM-SN", "name": "NTM sự nghiệp", "source": "ntm_provincial", "amount_vnd": 0},
    ]
    if trade_promotion_line:
        budget_lines.append({"code": "XTTM", "name": "Xúc tiến thương mại", "source": "other", "amount_vnd": 0})
    budget_lines += [{"code": f"NS-{p}", "name": f"Ngân sách {p}", "source": "local", "amount_vnd": 0,
                      "region_code": p} for p in province_codes]
    plan_rows: list[dict[str, Any]] = []
    requests: list[dict[str, Any]] = []
    appraisals: list[dict[str, Any]] = []
    totals: dict[str, int] = {line["code"]: 0 for line in budget_lines}
    product_province = {row["code"]: province_codes[i % provinces] for i, row in enumerate(product_rows)}
    for i in range(plans):
        product = product_rows[rng.randrange(products)]
        code = f"KH{i:05d}"
        province = product_province[product["code"]]
        purpose = rng.choice(["new_product", "upgrade", "linkage", "certification", "trade_promotion"])
        plan_rows.append({
            "code": code, "product_code": product["code"], "organization_code": product["producer_code"],
            "purpose": purpose, "expected_score": round(rng.uniform(45, 96), 1),
            "creates_new_product": purpose == "new_product", "creates_organization": rng.random() < 0.05,
            "enters_supermarket": purpose in ("linkage", "trade_promotion"),
            "adds_e_stamp": purpose == "certification", "joins_safe_food_chain": rng.random() < 0.1,
            "success_probability": round(rng.uniform(0.5, 0.95), 2), "priority_points": rng.choice([0, 1, 2]),
        })
        total = rng.randrange(50, 1_500, 10) * 1_000_000
        third = rng.choice(["XTTM", f"NS-{province}"]) if trade_promotion_line else f"NS-{province}"
        shares = [("NTM-DTPT", 0.5), ("NTM-SN", 0.3), (third, 0.2)]
        for line, share in shares:
            amount = max(10_000_000, round(total * share, -6))
            requests.append({"plan_code": code, "budget_line_code": line, "amount_vnd": amount})
            totals[line] += amount
        appraisals.append({"plan_code": code, "stage": "province",
                           "status": rng.choices(["passed", "pending", "failed"], [85, 10, 5])[0]})
    for line in budget_lines:
        line["amount_vnd"] = int(totals[line["code"]] * 0.45)  # money for a bit under half of what is asked
    # Dependencies and alternatives: 2 % of plans need an earlier plan of their province, 2 % exclude one.
    by_province: dict[str, list[str]] = {}
    for row in plan_rows:
        by_province.setdefault(product_province[row["product_code"]], []).append(row["code"])
    for row in plan_rows:
        siblings = by_province[product_province[row["product_code"]]]
        earlier = siblings[: siblings.index(row["code"])]
        if earlier and rng.random() < 0.02:
            row["requires_plan"] = rng.choice(earlier)
        elif earlier and rng.random() < 0.02:
            row["excludes_plans"] = [rng.choice(earlier)]

    return Dataset.from_records({
        "regions": regions, "organizations": organizations, "products": product_rows, "links": links,
        "demand": demand, "budget_lines": budget_lines, "plans": plan_rows, "plan_requests": requests,
        "appraisals": appraisals,
    })
