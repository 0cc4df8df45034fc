"""The Quảng Ninh demo dataset, generated deterministically from a seed.

Real: the province, its 13 district-level units as they were before July 2025, the 12 provincial key chains
and the 6 national-oriented chains (Decision 3401/QĐ-UBND, 2018), the supermarket chains and e-commerce
platforms. Invented and illustrative: the 31 district-tier products (no public list exists), every producer,
processor and distributor, every figure (capacities, demand, budgets, plans, requests, appraisals).

The data is built so that every gap type of ``DATA_FORMAT.md`` occurs, requests exceed the budget about
twofold, and plans sit in every appraisal state.

Examples
--------
>>> ds = build_demo_dataset()
>>> ds.products["chain_tier"].value_counts()[["district", "provincial", "national"]].tolist()
[31, 12, 6]
>>> int((ds.regions["level"] == "district").sum())
13
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from chainplan.dataset import Dataset, validated
from chainplan.scenario import Scenario

__all__ = ["CURRENT_YEAR", "DEMO_SEED", "HISTORY_YEARS", "REALISED_SUCCESS", "build_demo_dataset", "history_scenario"]

DEMO_SEED = 2020

# code, name, kind of unit (for the name), communes shown to illustrate the third level
DISTRICTS: tuple[tuple[str, str], ...] = (
    ("HL", "TP Hạ Long"), ("CP", "TP Cẩm Phả"), ("UB", "TP Uông Bí"), ("MC", "TP Móng Cái"),
    ("DT", "TX Đông Triều"), ("QY", "TX Quảng Yên"), ("VD", "Huyện Vân Đồn"), ("TY", "Huyện Tiên Yên"),
    ("HH", "Huyện Hải Hà"), ("CT", "Huyện Cô Tô"), ("DH", "Huyện Đầm Hà"), ("BL", "Huyện Bình Liêu"),
    ("BC", "Huyện Ba Chẽ"),
)
COMMUNES: tuple[tuple[str, str, str], ...] = (
    ("DT-YD", "Xã Yên Đức", "DT"), ("DT-MK", "Phường Mạo Khê", "DT"), ("CP-QH", "Phường Quang Hanh", "CP"),
    ("HH-DH", "Xã Đường Hoa", "HH"), ("VD-CR", "Thị trấn Cái Rồng", "VD"), ("TY-DR", "Xã Đồng Rui", "TY"),
)


@dataclass(frozen=True)
class _ProductSeed:
    name: str
    group: str
    region: str
    tier: str
    needs_processing: bool
    unit: str


# The 12 provincial key chains (Decision 3401/QĐ-UBND) and 6 national-oriented products in the same chains.
PROVINCIAL = (
    _ProductSeed("Du lịch cộng đồng làng Yên Đức", "tourism", "DT-YD", "provincial", False, "lượt khách"),
    _ProductSeed("Gốm mỹ nghệ Đông Triều", "handicraft", "DT", "provincial", True, "sản phẩm"),
    _ProductSeed("Nước khoáng Quang Hanh bình 19 lít", "beverage", "CP-QH", "provincial", True, "bình"),
    _ProductSeed("Mực khô Cô Tô", "food", "CT", "provincial", True, "kg"),
    _ProductSeed("Ba kích Ba Chẽ", "herbal", "BC", "provincial", True, "kg"),
    _ProductSeed("Chè Đường Hoa", "beverage", "HH-DH", "provincial", True, "kg"),
    _ProductSeed("Hàu Vân Đồn", "food", "VD", "provincial", False, "kg"),
    _ProductSeed("Miến dong Bình Liêu", "food", "BL", "provincial", True, "kg"),
    _ProductSeed("Ngọc trai Hạ Long", "handicraft", "HL", "provincial", True, "sản phẩm"),
    _ProductSeed("Lợn Móng Cái", "food", "MC", "provincial", True, "kg"),
    _ProductSeed("Trà hoa vàng Ba Chẽ", "beverage", "BC", "provincial", True, "kg"),
    _ProductSeed("Gà Tiên Yên", "food", "TY", "provincial", True, "con"),
)
NATIONAL = (
    _ProductSeed("Tour trải nghiệm Yên Tử - Yên Đức", "tourism", "DT-YD", "national", False, "lượt khách"),
    _ProductSeed("Gốm men lam Đông Triều cao cấp", "handicraft", "DT", "national", True, "sản phẩm"),
    _ProductSeed("Nước khoáng Quang Hanh chai thủy tinh", "beverage", "CP-QH", "national", True, "chai"),
    _ProductSeed("Chả mực Hạ Long", "food", "HL", "national", True, "kg"),
    _ProductSeed("Trang sức ngọc trai Hạ Long", "handicraft", "HL", "national", True, "sản phẩm"),
    _ProductSeed("Giò lợn Móng Cái", "food", "MC", "national", True, "kg"),
)
# Illustrative district-tier products: invented, two or three per district.
DISTRICT_TIER = (
    ("Nem chua Hạ Long", "food", "HL"), ("Bánh gio Hạ Long", "food", "HL"), ("Mực một nắng Bãi Cháy", "food", "HL"),
    ("Rau sạch Cộng Hòa", "food", "CP"), ("Hải sản khô Cẩm Phả", "food", "CP"),
    ("Trà thảo dược Cẩm Phả", "herbal", "CP"),
    ("Vải chín sớm Phương Nam", "food", "UB"), ("Thanh long Uông Bí", "food", "UB"),
    ("Mơ lông Yên Tử", "food", "UB"),
    ("Nước mắm Trà Cổ", "food", "MC"), ("Bánh khô Móng Cái", "food", "MC"), ("Khăn thêu Móng Cái", "handicraft", "MC"),
    ("Gạo nếp cái hoa vàng Đông Triều", "food", "DT"), ("Nấm kim châm Đông Triều", "food", "DT"),
    ("Rau thủy canh Mạo Khê", "food", "DT-MK"),
    ("Rượu nếp Quảng Yên", "beverage", "QY"), ("Cá song Quảng Yên", "food", "QY"),
    ("Sá sùng Vân Đồn", "food", "VD"), ("Nước mắm Cái Rồng", "food", "VD-CR"),
    ("Trứng vịt biển Đồng Rui", "food", "TY-DR"), ("Bánh gật gù Tiên Yên", "food", "TY"),
    ("Vịt trời Hải Hà", "food", "HH"), ("Chè xanh Quảng Long", "beverage", "HH"),
    ("Hải sâm Cô Tô", "food", "CT"), ("Rong biển Cô Tô", "food", "CT"),
    ("Mật ong Đầm Hà", "food", "DH"), ("Gà đồi Đầm Hà", "food", "DH"),
    ("Hoa hồi Bình Liêu", "herbal", "BL"), ("Tinh dầu hồi Bình Liêu", "herbal", "BL"),
    ("Quế Ba Chẽ", "herbal", "BC"), ("Mật ong rừng Ba Chẽ", "food", "BC"),
)
OTHER_PRODUCT_NAMES = (
    "Rượu ba kích", "Cao dược liệu", "Trà túi lọc", "Bánh đa", "Mắm tôm", "Tôm khô", "Cá khô", "Chè búp",
    "Mỳ gạo", "Bún khô", "Nước ép trái cây", "Mứt gừng", "Giò chả", "Lạp xưởng", "Rau má", "Miến gạo",
    "Dầu lạc", "Tinh bột nghệ", "Xà phòng thảo mộc", "Nón lá", "Mây tre đan", "Tranh than đá",
    "Cây cảnh bonsai", "Lan rừng", "Đông trùng hạ thảo", "Nấm linh chi", "Sâm đất", "Mật ong hoa rừng",
    "Bánh chưng đen", "Chè Bát Tiên", "Nước mắm cốt", "Ruốc hàu", "Khô cá đù", "Măng khô", "Lá thuốc tắm",
)
SUPERMARKETS = (
    ("RT-GO", "GO! Hạ Long", "supermarket_chain", "HL"),
    ("RT-MM", "MM Mega Market Hạ Long", "supermarket_chain", "HL"),
    ("RT-WIN", "WinMart Hạ Long", "supermarket_chain", "HL"),
    ("RT-WINP", "WinMart+ Cẩm Phả", "supermarket_chain", "CP"),
    ("RT-COOP", "Co.opmart Hạ Long", "supermarket_chain", "HL"),
    ("RT-TTTM", "Trung tâm thương mại Hạ Long", "trade_centre", "HL"),
)
ONLINE = (("RT-VOSO", "Voso (Viettel Post)", "e_commerce", "HL"), ("RT-POST", "Postmart", "e_commerce", "HL"))


def _district_of(region: str) -> str:
    return region.split("-")[0]


def build_demo_dataset(seed: int = DEMO_SEED) -> Dataset:
    """Build the Quảng Ninh demo dataset; the same seed always gives the same data."""
    rng = random.Random(seed)
    regions: list[dict[str, object]] = [{"code": "QN", "name": "Tỉnh Quảng Ninh", "level": "province"}]
    regions += [{"code": c, "name": n, "level": "district", "parent_code": "QN"} for c, n in DISTRICTS]
    regions += [{"code": c, "name": n, "level": "commune", "parent_code": p} for c, n, p in COMMUNES]
    district_codes = [c for c, _ in DISTRICTS]
    district_name = dict(DISTRICTS)

    organizations: list[dict[str, object]] = []

    def organization(code: str, name: str, role: str, kind: str, region: str, **extra: object) -> str:
        organizations.append({"code": code, "name": name, "role": role, "kind": kind, "region_code": region,
                              **extra})
        return code

    # Processors and distributors: one or two per cluster of districts.
    processors = {
        d: organization(f"CB-{d}", f"Cơ sở chế biến {district_name[d].split(' ', 1)[1]}", "processor", "company",
                        d, certifications=rng.sample(["haccp", "iso22000", "vietgap"], k=rng.randint(0, 2)))
        for d in district_codes
    }
    second_processors = {
        d: organization(f"CB2-{d}", f"HTX chế biến {district_name[d].split(' ', 1)[1]}", "processor",
                        "cooperative", d)
        for d in ("HL", "DT", "MC", "BC", "VD")
    }
    distributors = [
        organization("PP-HL", "Công ty Phân phối Hạ Long", "distributor", "wholesaler", "HL"),
        organization("PP-CP", "Công ty Thương mại Cẩm Phả", "distributor", "wholesaler", "CP"),
        organization("PP-MC", "Công ty XNK Móng Cái", "distributor", "exporter", "MC"),
        organization("PP-DT", "Công ty Logistics Đông Triều", "distributor", "wholesaler", "DT"),
        organization("PP-VD", "HTX Dịch vụ Vân Đồn", "distributor", "wholesaler", "VD"),
        organization("PP-TY", "Công ty Nông sản Tiên Yên", "distributor", "wholesaler", "TY"),
        organization("PP-TOUR", "Lữ hành Hạ Long Travel", "distributor", "other", "HL"),
    ]
    for code, name, kind, region in SUPERMARKETS + ONLINE:
        organization(code, name, "retailer", kind, region)
    ocop_shops = [organization(f"RT-OCOP-{d}", f"Điểm bán OCOP {district_name[d].split(' ', 1)[1]}", "retailer",
                               "ocop_shop", d) for d in district_codes]
    organization("RT-EXPORT", "Xuất khẩu qua cửa khẩu Móng Cái", "retailer", "exporter", "MC")

    # Products and their producers.
    seeds: list[_ProductSeed] = [*PROVINCIAL, *NATIONAL]
    seeds += [_ProductSeed(n, g, r, "district", rng.random() < 0.5, "kg") for n, g, r in DISTRICT_TIER]
    for i, name in enumerate(OTHER_PRODUCT_NAMES * 2):
        region = district_codes[(i * 5) % len(district_codes)]
        group = "handicraft" if name in ("Nón lá", "Mây tre đan", "Tranh than đá") else (
            "ornamental" if name in ("Cây cảnh bonsai", "Lan rừng") else (
                "herbal" if name in ("Cao dược liệu", "Đông trùng hạ thảo", "Nấm linh chi", "Sâm đất",
                                     "Lá thuốc tắm", "Tinh bột nghệ") else "food"))
        seeds.append(_ProductSeed(f"{name} {district_name[region].split(' ', 1)[1]}", group, region, "none",
                                  rng.random() < 0.4, "kg"))

    kinds = ["cooperative"] * 4 + ["company"] * 3 + ["household"] * 4
    products: list[dict[str, object]] = []
    producer_of: dict[str, str] = {}
    for i, seed_product in enumerate(seeds, start=1):
        code = f"SP{i:03d}"
        district = _district_of(seed_product.region)
        # A few producers make two products (a cooperative with a second line).
        if i > 20 and rng.random() < 0.12:
            candidates = [p for p in producer_of.values() if p.startswith(f"SX-{district}-")]
            producer = candidates[0] if candidates else ""
        else:
            producer = ""
        if not producer:
            kind = rng.choice(kinds)
            prefix = {"cooperative": "HTX", "company": "Công ty", "household": "Hộ KD"}[kind]
            producer = organization(
                f"SX-{district}-{i:03d}", f"{prefix} {seed_product.name}", "producer", kind, seed_product.region,
                is_new=rng.random() < 0.08,
                certifications=rng.sample(["vietgap", "haccp", "organic", "iso22000"], k=rng.choice([0, 0, 1, 1, 2])),
            )
        producer_of[code] = producer
        if seed_product.tier == "national":
            score = rng.uniform(80, 89)
        elif seed_product.tier == "provincial":
            score = rng.uniform(68, 86)
        elif seed_product.tier == "district":
            score = rng.uniform(48, 75)
        else:
            score = rng.choice([0.0, rng.uniform(30, 72)])
        stars = 0 if score == 0 else (1 if score < 30 else 2 if score < 50 else 3 if score < 70 else 4 if score < 90
                                      else 5)
        products.append({
            "code": code, "name": seed_product.name, "group": seed_product.group, "producer_code": producer,
            "region_code": seed_product.region, "chain_tier": seed_product.tier, "stars": stars,
            "ocop_score": round(score, 1) if score else None,
            "e_stamp": rng.random() < (0.75 if seed_product.tier != "none" else 0.4),
            "barcode": rng.random() < (0.8 if seed_product.tier != "none" else 0.5),
            "safe_food_chain": seed_product.group == "food" and rng.random() < 0.3,
            "needs_processing": seed_product.needs_processing,
            "annual_output": float(rng.randrange(2_000, 60_000, 500)), "unit": seed_product.unit,
        })

    # Links: producer -> (processor) -> distributor -> retailers, with deliberate gaps.
    links: list[dict[str, object]] = []
    demand: list[dict[str, object]] = []
    linked: set[tuple[str, str, str]] = set()

    def link(source: str, target: str, product: str, capacity: float, share: float = 0.7) -> None:
        if (source, target, product) in linked:
            return
        linked.add((source, target, product))
        rounded = float(round(capacity, -1))
        links.append({"from_code": source, "to_code": target, "product_code": product, "capacity": rounded,
                      "volume": float(round(rounded * share, -1)), "contract": rng.random() < 0.6})

    supermarket_codes = [code for code, *_ in SUPERMARKETS]
    for index, product in enumerate(products):
        code = str(product["code"])
        producer = producer_of[code]
        district = _district_of(str(product["region_code"]))
        output = float(product["annual_output"])  # type: ignore[arg-type]
        chain = product["chain_tier"] != "none"
        pattern = index % 10
        if chain and pattern == 7:
            continue  # unlinked producer: a chain product with no outgoing link at all
        if not chain and rng.random() < 0.25:
            link(producer, ocop_shops[district_codes.index(district)], code, output * 0.3)
            continue
        first_hops: list[str] = []
        if product["needs_processing"] and pattern != 3:  # pattern 3 skips processing: missing_processing
            first_hops.append(processors[district])
            if district in second_processors and pattern in (0, 5):
                first_hops.append(second_processors[district])  # two parallel processors: no single point
        else:
            first_hops.append(distributors[index % len(distributors[:-1])])
        for hop in first_hops:
            link(producer, hop, code, output * rng.uniform(0.5, 0.9), rng.uniform(0.4, 0.9))
        second_hop = "PP-TOUR" if product["group"] == "tourism" else distributors[index % 6]
        for hop in first_hops:
            if hop != second_hop and hop.startswith("CB"):
                link(hop, second_hop, code, output * rng.uniform(0.4, 0.8), rng.uniform(0.5, 0.9))
        link(producer, ocop_shops[district_codes.index(district)], code, output * 0.1, 0.9)
        if pattern == 4:
            continue  # reaches OCOP shops and the distributor only: no_supermarket_path
        chains_here = rng.sample(supermarket_codes, k=1 if pattern == 2 else rng.randint(2, 3))
        for retailer in chains_here:
            # pattern 2 sells nearly everything to one chain: buyer_concentration
            capacity = output * (0.6 if pattern == 2 else rng.uniform(0.1, 0.3))
            link(second_hop, retailer, code, capacity, 0.95 if pattern == 2 else rng.uniform(0.5, 0.9))
            wanted = capacity * (2.5 if pattern in (1, 6) else rng.uniform(0.4, 0.9))  # 1, 6: capacity_shortfall
            demand.append({"retailer_code": retailer, "product_code": code, "annual_demand": float(round(wanted, -1))})
        if rng.random() < 0.4:
            link(second_hop, rng.choice(["RT-VOSO", "RT-POST"]), code, output * 0.1, 0.5)
        if product["group"] == "food" and district == "MC" and rng.random() < 0.7:
            link(second_hop, "RT-EXPORT", code, output * 0.2, 0.6)

    channel_requirements = [
        {"retailer_code": "RT-GO", "requires": ["barcode", "e_stamp", "min_stars:3"]},
        {"retailer_code": "RT-MM", "requires": ["barcode", "safe_food_chain"]},
        {"retailer_code": "RT-WIN", "requires": ["barcode", "min_stars:3"]},
        {"retailer_code": "RT-WINP", "requires": ["barcode"]},
        {"retailer_code": "RT-COOP", "requires": ["barcode", "e_stamp"]},
        {"retailer_code": "RT-TTTM", "requires": ["min_stars:4"]},
    ]

    budget_lines: list[dict[str, object]] = [
        {"code": "NTM-DTPT", "name": "Vốn đầu tư phát triển NTM (trung ương)", "source": "ntm_central",
         "amount_vnd": 14_000_000_000},
        {"code": "NTM-SN", "name": "Vốn sự nghiệp NTM tỉnh", "source": "ntm_provincial",
         "amount_vnd": 8_000_000_000},
        {"code": "XTTM", "name": "Kinh phí xúc tiến thương mại", "source": "other", "amount_vnd": 2_500_000_000},
    ]
    district_lines = {d: f"NS-{d}" for d in ("HL", "CP", "UB", "MC", "DT", "VD", "BC", "BL")}
    for district, line in district_lines.items():
        budget_lines.append({"code": line, "name": f"Ngân sách {district_name[district]}", "source": "local",
                             "amount_vnd": rng.randrange(400, 1_500, 100) * 1_000_000, "region_code": district})

    # Plans: about 200, in every purpose and appraisal state.
    org_region = {str(o["code"]): str(o["region_code"]) for o in organizations}
    purposes = ["new_product"] * 5 + ["upgrade"] * 4 + ["linkage"] * 3 + ["certification"] * 3 + [
        "trade_promotion"] * 2 + ["e_commerce", "other"]
    plans: list[dict[str, object]] = []
    plan_requests: list[dict[str, object]] = []
    appraisals: list[dict[str, object]] = []
    appraisers = {"district": "Phòng NN&PTNT {}", "province": "Ban Chỉ đạo OCOP tỉnh", "commune": "UBND xã"}
    for number in range(1, 211):
        product = products[rng.randrange(len(products))] if number > 49 else products[number - 1]
        code = f"KH{number:03d}"
        product_code = str(product["code"])
        producer = producer_of[product_code]
        purpose = rng.choice(purposes)
        current = float(product["ocop_score"] or 0)  # type: ignore[arg-type]
        gain = {"new_product": rng.uniform(52, 80), "upgrade": current + rng.uniform(4, 14)}.get(
            purpose, current + rng.uniform(0, 6))
        new_links: list[str] = []
        if purpose == "linkage":
            district = _district_of(str(product["region_code"]))
            target = rng.choice([processors[district], *distributors[:3], rng.choice(supermarket_codes)])
            new_links.append(f"{producer}>{target}")
            if target.startswith("CB"):
                new_links.append(f"{target}>{rng.choice(supermarket_codes)}")
        plans.append({
            "code": code, "product_code": product_code, "organization_code": producer, "purpose": purpose,
            "expected_score": round(min(97.0, gain), 1),
            "creates_new_product": purpose == "new_product",
            "creates_organization": purpose == "new_product" and rng.random() < 0.3,
            "enters_supermarket": purpose in ("trade_promotion", "linkage") and rng.random() < 0.8,
            "adds_e_stamp": purpose in ("certification", "upgrade") and not product["e_stamp"],
            "joins_safe_food_chain": purpose == "certification" and product["group"] == "food",
            "new_links": new_links,
            "success_probability": round(rng.uniform(0.55, 0.95), 2),
            "priority_points": float(rng.choice([0, 0, 0, 1, 2, 3])),
        })
        total = rng.randrange(50, 1_000, 10) * 1_000_000
        district = _district_of(org_region[producer])
        split = [("NTM-DTPT", 0.6), ("NTM-SN", 0.4)] if purpose != "trade_promotion" else [("XTTM", 1.0)]
        if district in district_lines and rng.random() < 0.5:
            split = [*split[:1], (district_lines[district], 0.3)] if purpose != "trade_promotion" else [
                ("XTTM", 0.7), (district_lines[district], 0.3)]
        for line, share in split:
            amount = max(10_000_000, round(total * share / 10_000_000) * 10_000_000)
            plan_requests.append({"plan_code": code, "budget_line_code": line, "amount_vnd": amount})
        # Appraisals: district first, then province; some plans are not appraised yet.
        roll = rng.random()
        if roll < 0.06:
            continue
        day = dt.date(2020, 3, 1) + dt.timedelta(days=rng.randrange(0, 90))
        district_status = "pending" if roll < 0.16 else ("failed" if roll < 0.24 else "passed")
        appraisals.append({"plan_code": code, "stage": "district", "status": district_status,
                           "score": None if district_status == "pending" else round(rng.uniform(45, 95), 1),
                           "appraised_on": None if district_status == "pending" else day,
                           "appraiser": appraisers["district"].format(district_name[district])})
        if district_status != "passed":
            continue
        roll = rng.random()
        province_status = "pending" if roll < 0.12 else ("failed" if roll < 0.22 else "passed")
        appraisals.append({"plan_code": code, "stage": "province", "status": province_status,
                           "score": None if province_status == "pending" else round(rng.uniform(50, 98), 1),
                           "appraised_on": None if province_status == "pending" else day + dt.timedelta(days=30),
                           "appraiser": appraisers["province"]})

    # Alternatives: two plans for the same product that cannot both be funded.
    by_product: dict[str, list[dict[str, object]]] = {}
    for plan in plans:
        by_product.setdefault(str(plan["product_code"]), []).append(plan)
    alternatives = [siblings for siblings in by_product.values() if len(siblings) >= 2]
    for siblings in alternatives[:6]:
        siblings[0]["excludes_plans"] = [siblings[1]["code"]]
    # Dependencies: a linkage plan that only makes sense if another product's plan in the district goes ahead.
    by_district: dict[str, list[dict[str, object]]] = {}
    for plan in plans:
        by_district.setdefault(_district_of(org_region[str(plan["organization_code"])]), []).append(plan)
    dependent = 0
    for members in by_district.values():
        linkage = [p for p in members if p["purpose"] == "linkage" and not p.get("excludes_plans")]
        anchors = [p for p in members if p["purpose"] in ("upgrade", "new_product")]
        for plan in linkage[:1]:
            anchor = next((a for a in anchors if a["product_code"] != plan["product_code"]), None)
            if anchor is not None and dependent < 8:
                plan["requires_plan"] = anchor["code"]
                dependent += 1

    for row in (*budget_lines, *plans):
        row["year"] = CURRENT_YEAR
    history = _history(seed, products, producer_of)
    return validated(Dataset.from_records({
        "regions": regions, "organizations": organizations, "products": products, "links": links,
        "demand": demand, "channel_requirements": channel_requirements,
        "budget_lines": [*history["budget_lines"], *budget_lines], "plans": [*history["plans"], *plans],
        "plan_requests": [*history["plan_requests"], *plan_requests],
        "appraisals": [*history["appraisals"], *appraisals], "outcomes": history["outcomes"],
        "inspections": _inspections(seed, organizations, plans),
    }))


#: The demo's current programme year (its 2020 plans are the seed document's year) and the years before it.
CURRENT_YEAR = 2020
HISTORY_YEARS = (2017, 2018, 2019)
#: How often a finished plan of each purpose really succeeded in the demo's history (the plans said 0.70-0.95):
#: new products and sales promotion over-promise, certification and upgrades deliver about what they say.
REALISED_SUCCESS = {"new_product": 0.35, "upgrade": 0.8, "linkage": 0.6, "certification": 0.85,
                    "trade_promotion": 0.4, "e_commerce": 0.45, "other": 0.6}
_HISTORY_PLANS = 40


def _stars(score: float) -> int:
    return 1 if score < 30 else 2 if score < 50 else 3 if score < 70 else 4 if score < 90 else 5


def _history(seed: int, products: list[dict[str, object]], producer_of: dict[str, str]
             ) -> dict[str, list[dict[str, object]]]:
    """2017-2019: each year's plans (one per product, every one worth funding), its budget lines (enough money for
    every plan that passed both appraisals, so the year's adopted run funds exactly those) and what each funded
    plan delivered. Its own random streams, so the 2020 data is what it was before the history existed."""
    out: dict[str, list[dict[str, object]]] = {"budget_lines": [], "plans": [], "plan_requests": [],
                                               "appraisals": [], "outcomes": []}
    purposes = list(REALISED_SUCCESS)
    for year in HISTORY_YEARS:
        rng = random.Random(seed * 1000 + year)
        lines = {"NTM-DTPT": 0, "NTM-SN": 0, "XTTM": 0}
        for number, product in enumerate(rng.sample(products, _HISTORY_PLANS), start=1):
            code = f"KH{year % 100:02d}-{number:03d}"
            purpose = rng.choice(purposes)
            current = float(product["ocop_score"] or 0)  # type: ignore[arg-type]
            expected = round(min(97.0, max(current + rng.uniform(3, 12), 52.0 if purpose == "new_product" else 0)),
                             1)
            plan: dict[str, object] = {
                "code": code, "product_code": product["code"], "organization_code": producer_of[str(product["code"])],
                "purpose": purpose, "expected_score": expected, "year": year,
                "creates_new_product": purpose == "new_product",
                "creates_organization": purpose == "new_product" and rng.random() < 0.3,
                "enters_supermarket": purpose in ("trade_promotion", "linkage") and rng.random() < 0.8,
                "adds_e_stamp": purpose in ("certification", "upgrade") and not product["e_stamp"],
                "joins_safe_food_chain": purpose == "certification" and product["group"] == "food",
                "success_probability": round(rng.uniform(0.70, 0.95), 2),
            }
            out["plans"].append(plan)
            total = rng.randrange(100, 600, 10) * 1_000_000
            split = [("XTTM", 1.0)] if purpose == "trade_promotion" else [("NTM-DTPT", 0.6), ("NTM-SN", 0.4)]
            requests = {line: max(10_000_000, round(total * share / 10_000_000) * 10_000_000) for line, share in split}
            for line, amount in requests.items():
                out["plan_requests"].append({"plan_code": code, "budget_line_code": f"{line}-{year}",
                                             "amount_vnd": amount})
            day = dt.date(year, 3, 1) + dt.timedelta(days=rng.randrange(0, 90))
            district = "failed" if rng.random() < 0.08 else "passed"
            out["appraisals"].append({"plan_code": code, "stage": "district", "status": district,
                                      "score": round(rng.uniform(50, 95) if district == "passed" else
                                                     rng.uniform(30, 49), 1),
                                      "appraised_on": day, "appraiser": "Phòng NN&PTNT cấp huyện"})
            if district != "passed":
                continue
            province = "failed" if rng.random() < 0.08 else "passed"
            out["appraisals"].append({"plan_code": code, "stage": "province", "status": province,
                                      "score": round(rng.uniform(55, 98) if province == "passed" else
                                                     rng.uniform(35, 49), 1),
                                      "appraised_on": day + dt.timedelta(days=30),
                                      "appraiser": "Ban Chỉ đạo OCOP tỉnh"})
            if province != "passed":
                continue
            for line, amount in requests.items():
                lines[line] += amount
            out["outcomes"].append(_outcome(rng, plan, year, sum(requests.values())))
        names = {"NTM-DTPT": ("Vốn đầu tư phát triển NTM (trung ương)", "ntm_central"),
                 "NTM-SN": ("Vốn sự nghiệp NTM tỉnh", "ntm_provincial"),
                 "XTTM": ("Kinh phí xúc tiến thương mại", "other")}
        for line, needed in lines.items():
            name, source = names[line]
            # Every appraised plan fits: the year's money, rounded up to the hundred million, with some to spare.
            amount = (needed // 100_000_000 + 2) * 100_000_000
            out["budget_lines"].append({"code": f"{line}-{year}", "name": f"{name} năm {year}", "source": source,
                                        "amount_vnd": amount, "year": year})
    return out


def _outcome(rng: random.Random, plan: dict[str, object], year: int, requested: int) -> dict[str, object]:
    """What a funded plan delivered: it succeeds at its purpose's realised rate; a 2019 plan may still be running."""
    if year == HISTORY_YEARS[-1] and rng.random() < 0.35:
        status, succeeded = "in_progress", False
    else:
        succeeded = rng.random() < REALISED_SUCCESS[str(plan["purpose"])]
        status = "completed" if succeeded or rng.random() < 0.6 else "abandoned"
    expected = float(plan["expected_score"])  # type: ignore[arg-type]
    score: float | None
    if succeeded:
        score = round(min(100.0, expected + rng.uniform(0, 4)), 1)
    else:  # completed without the promised stars, or a score not awarded
        score = round(max(20.0, expected - rng.uniform(12, 25)), 1) if status == "completed" else None
    if score is not None and not succeeded and _stars(score) >= _stars(expected):
        score = round(max(0.0, min(score, {1: 0, 2: 30, 3: 50, 4: 70, 5: 90}[_stars(expected)] - 0.5)), 1)
    delivered = {flag: bool(plan[promise]) and (succeeded or rng.random() < 0.4)
                 for flag, promise in (("new_product", "creates_new_product"),
                                       ("new_organization", "creates_organization"),
                                       ("entered_supermarket", "enters_supermarket"), ("e_stamp", "adds_e_stamp"),
                                       ("safe_food_chain", "joins_safe_food_chain"))}
    share = {"completed": 1.0, "in_progress": 0.5, "abandoned": rng.uniform(0.2, 0.6)}[status]
    return {"plan_code": plan["code"], "reported_on": dt.date(min(year + 1, CURRENT_YEAR), rng.randint(1, 11),
                                                               rng.randint(1, 28)),
            "status": status, "disbursed_vnd": int(requested * share) // 1_000_000 * 1_000_000,
            "ocop_score": score, **delivered,
            "note": "" if status != "abandoned" else "Dừng thực hiện do không đủ vốn đối ứng"}


def _inspections(seed: int, organizations: list[dict[str, object]], plans: list[dict[str, object]]
                 ) -> list[dict[str, object]]:
    """Checks of producers' sites, points of sale and label use in 2018-2020; a few violations, four of them not
    resolved yet, at organizations with a plan this year (so excluding them changes the year's allocation)."""
    rng = random.Random(seed * 1000 + 1)
    with_plans = sorted({str(p["organization_code"]) for p in plans})
    producers = [str(o["code"]) for o in organizations if o["role"] == "producer"]
    findings = {"facility": "Khu sơ chế chưa tách biệt khu đóng gói", "point_of_sale": "Chưa niêm yết giá",
                "label_use": "Sử dụng nhãn OCOP khi chưa được công nhận"}
    rows: list[dict[str, object]] = []
    unresolved = set(rng.sample(with_plans, 4))
    for number, organization in enumerate(sorted(set(rng.sample(producers, 26)) | unresolved), start=1):
        kind = rng.choice(sorted(findings))
        day = dt.date(rng.choice([2018, 2019, 2020]), rng.randint(1, 12), rng.randint(1, 28))
        violation = organization in unresolved or rng.random() < 0.2
        if organization in unresolved:
            day = dt.date(2020, rng.randint(1, 6), rng.randint(1, 28))
        resolved = None if organization in unresolved or not violation else day + dt.timedelta(days=rng.randint(15, 90))
        rows.append({"code": f"KT-{day.year}-{number:03d}", "organization_code": organization, "inspected_on": day,
                     "kind": kind, "result": "violation" if violation else "compliant",
                     "finding": findings[kind] if violation else "", "resolved_on": resolved})
    return rows


def history_scenario(year: int) -> Scenario:
    """The scenario the demo's committee adopted for a past year: the year's plans that passed both appraisals, and
    the year's money (which covers them all)."""
    return Scenario(name=f"ke-hoach-{year}", name_vi=f"Kế hoạch hỗ trợ OCOP năm {year}",
                    description=f"The plan adopted for {year} (demo history)",
                    description_vi=f"Phương án đã thông qua năm {year} (lịch sử của dữ liệu mẫu)", year=year)
