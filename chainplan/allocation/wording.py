"""The sentences that explain allocation decisions, in English and Vietnamese, from one set of parameters.

Every decision and every reason a plan is not eligible is written from a reason code and its parameters, in both
languages at once, so the command line (English, as documented), the committee pack and the web page (either
language) say the same thing.

Examples
--------
>>> decision_sentence("needs_plan", {"need": "KH002"}, "vi")
'Cần kế hoạch KH002, nhưng kế hoạch này không được hỗ trợ.'
>>> eligibility_sentence("pending", {"stage": "province"}, "en")
'province appraisal still pending'
>>> target_name("new_products", "vi")
'Sản phẩm mới'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["LANGS", "STAGE_NAMES", "TARGET_NAMES", "counts_phrase", "decision_sentence", "decision_template",
           "eligibility_sentence", "gap_phrase", "phrase_template", "rank_phrase", "target_name"]

LANGS = ("en", "vi")

#: Targets and outcomes by name, as a committee reads them: (Vietnamese, English).
TARGET_NAMES: dict[str, tuple[str, str]] = {
    "new_products": ("Sản phẩm mới", "New products"),
    "new_organizations": ("Tổ chức kinh tế mới", "New organizations"),
    "supermarket_entries": ("Sản phẩm mới vào siêu thị", "New supermarket entries"),
    "rated_3_to_5_stars": ("Sản phẩm đạt 3-5 sao", "Products rated 3-5 stars"),
    "national_5_star": ("Sản phẩm 5 sao quốc gia", "National 5-star products"),
    "safe_food_chain": ("Sản phẩm trong chuỗi thực phẩm an toàn", "Products in a safe-food chain"),
    "e_stamp_share": ("Tỷ lệ sản phẩm có tem điện tử", "Share of products with an e-stamp"),
    "e_stamps": ("Sản phẩm có tem điện tử mới", "New e-stamps"),
    "gaps_closed": ("Điểm nghẽn chuỗi được khắc phục", "Supply-chain gaps closed"),
}
STAGE_NAMES: dict[str, tuple[str, str]] = {
    "commune": ("xã", "commune"), "district": ("huyện", "district"), "province": ("tỉnh", "province"),
}

_ELIGIBILITY: dict[str, tuple[str, str]] = {
    "pending": ("thẩm định cấp {stage} còn đang chờ", "{stage} appraisal still pending"),
    "failed": ("không đạt thẩm định cấp {stage}", "failed the {stage} appraisal"),
    "not_appraised": ("chưa được thẩm định cấp {stage}", "not appraised at {stage} level"),
    "reserved_line": ("xin hỗ trợ từ nguồn {line}, nguồn này chỉ dành cho địa bàn {region}",
                      "asks for line {line}, which is reserved for region {region}"),
    "below_min_grant": ("tổng đề nghị {total} đồng, dưới mức hỗ trợ tối thiểu {minimum} đồng",
                        "asks for {total} VND in all, below the minimum grant of {minimum} VND"),
    "needs_ineligible": ("cần kế hoạch {need}, nhưng kế hoạch này chưa đủ điều kiện",
                         "needs plan {need}, which is not eligible"),
}

_DECISIONS: dict[str, tuple[str, str]] = {
    "funded": ("Được hỗ trợ: {total} cho lợi ích kỳ vọng {benefit} ({rank}){counts}.",
               "Funded: {total} for an expected benefit of {benefit} ({rank}){counts}."),
    "not_eligible": ("Chưa đủ điều kiện: {reasons}.", "Not eligible: {reasons}."),
    "excluded_by": ("Loại trừ với kế hoạch {rival} đã được hỗ trợ (hai kế hoạch không thể cùng được hỗ trợ).",
                    "Excluded by plan {rival}, which is funded (they cannot both be)."),
    "needs_plan": ("Cần kế hoạch {need}, nhưng kế hoạch này không được hỗ trợ.",
                   "Needs plan {need}, which is not funded."),
    "one_plan_per_product": ("Kế hoạch {other} cho cùng sản phẩm {product} đã được hỗ trợ; kịch bản chỉ hỗ trợ "
                             "một kế hoạch cho mỗi sản phẩm.",
                             "Plan {other} for the same product {product} is funded; the scenario funds one plan "
                             "per product."),
    "region_cap": ("Địa bàn {region} đã có {cap} kế hoạch được hỗ trợ, mức tối đa kịch bản cho phép.",
                   "Region {region} already has {cap} funded plan(s), the most the scenario allows."),
    "region_share": ("Nếu hỗ trợ, địa bàn {region} sẽ nhận quá {share} tổng kinh phí được hỗ trợ.",
                     "Funding it would give region {region} more than {share} of the money funded."),
    "no_benefit": ("Lợi ích kỳ vọng bằng 0 theo trọng số của kịch bản nên không đóng góp vào mục tiêu.",
                   "Its expected benefit is 0 under this scenario's weights, so it adds nothing to the goals."),
    "value_for_money": ("Thua về hiệu quả đồng vốn: cần thêm {gap}; {rank}.",
                        "Lost on value for money: it would need {gap}; {rank}."),
    "other_rules": ("Nguồn vốn còn tiền nhưng hỗ trợ kế hoạch này sẽ làm giảm giá trị mục tiêu theo các chỉ tiêu "
                    "hoặc tỷ trọng địa bàn của kịch bản; {rank}.",
                    "Money is left on its lines, but funding it would lower the objective under the scenario's "
                    "targets or regional shares; {rank}."),
    "nothing_funded": ("Không kế hoạch nào được hỗ trợ: {why}.", "Nothing is funded: {why}."),
}
_PIECES: dict[str, tuple[str, str]] = {
    "rank": ("hiệu quả trên mỗi đồng xếp thứ {rank}/{of}", "its benefit per VND ranks {rank} of {of}"),
    "counts": ("; góp vào: {names}", "; counts toward {names}"),
    "gap": ("{amount} trên nguồn {line}", "{amount} more on line {line}"),
    "and": (" và ", " and "),
}


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "vi" else pair[1]


def target_name(code: str, lang: str) -> str:
    """A target or outcome as a committee reads it (the code itself when unknown)."""
    return _pick(TARGET_NAMES.get(code, (code, code)), lang)


def eligibility_sentence(code: str, params: Mapping[str, Any], lang: str) -> str:
    """One reason a plan is not eligible (``pending``, ``failed``, ``not_appraised``, ``reserved_line``,
    ``below_min_grant``, ``needs_ineligible``)."""
    values = dict(params)
    if "stage" in values:
        values["stage"] = _pick(STAGE_NAMES.get(values["stage"], (values["stage"], values["stage"])), lang)
    for key in ("total", "minimum"):
        if key in values:
            number = f"{int(values[key]):,}"
            values[key] = number.replace(",", ".") if lang == "vi" else number
    return _pick(_ELIGIBILITY[code], lang).format(**values)


def rank_phrase(rank: int | None, of: int, lang: str) -> str:
    """'its benefit per VND ranks 3 of 40' ('' when the plan is not ranked)."""
    return "" if rank is None else _pick(_PIECES["rank"], lang).format(rank=rank, of=of)


def counts_phrase(targets: list[str], lang: str) -> str:
    """'; counts toward new_products, ...' in English (codes, as documented), target names in Vietnamese."""
    if not targets:
        return ""
    names = ", ".join(target_name(t, lang) for t in targets) if lang == "vi" else ", ".join(targets)
    return _pick(_PIECES["counts"], lang).format(names=names)


def gap_phrase(gaps: list[tuple[str, str]], lang: str) -> str:
    """'530.000.000 VND more on line L and …' from ``(amount as written, line code)`` pairs."""
    return _pick(_PIECES["and"], lang).join(_pick(_PIECES["gap"], lang).format(amount=amount, line=line)
                                            for amount, line in gaps)


def decision_template(reason: str, lang: str) -> str:
    """The ``str.format`` template of :func:`decision_sentence`, for writing thousands of sentences at once.

    Examples
    --------
    >>> decision_template("needs_plan", "en")
    'Needs plan {need}, which is not funded.'
    """
    return _pick(_DECISIONS[reason], lang)


def phrase_template(piece: str, lang: str) -> str:
    """The ``str.format`` template of a phrase: ``rank`` (:func:`rank_phrase`), ``gap`` (one line of
    :func:`gap_phrase`), ``and`` (what joins them) or ``counts``."""
    return _pick(_PIECES[piece], lang)


def decision_sentence(reason: str, params: Mapping[str, Any], lang: str) -> str:
    """The sentence for one decision. ``params`` hold what the reason's template names (already phrased where
    a phrase depends on the language: pass ``reasons`` for ``not_eligible`` per language)."""
    return _pick(_DECISIONS[reason], lang).format(**params)
