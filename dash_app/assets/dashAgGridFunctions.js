// Number formats for AG Grid cells: the cell keeps its number (so sorting and filtering are numeric) and shows it
// the way the page's language writes it, as chainplan.money does: 1.234.567 ₫ and 12,5 % in Vietnamese,
// 1,234,567 VND and 12.5 % in English.
var dagfuncs = (window.dashAgGridFunctions = window.dashAgGridFunctions || {});

function chainplanLocale(lang) {
    return lang === "vi" ? "vi-VN" : "en-US";
}

dagfuncs.chainplanMoney = function (value, lang) {
    if (value === null || value === undefined || value === "") {
        return "";
    }
    var amount = new Intl.NumberFormat(chainplanLocale(lang), {maximumFractionDigits: 0}).format(value);
    return lang === "vi" ? amount + " ₫" : amount + " VND";
};

dagfuncs.chainplanNumber = function (value, lang, digits) {
    if (value === null || value === undefined || value === "") {
        return "";
    }
    return new Intl.NumberFormat(chainplanLocale(lang), {maximumFractionDigits: digits}).format(value);
};

dagfuncs.chainplanPercent = function (value, lang, digits) {
    if (value === null || value === undefined || value === "") {
        return "";
    }
    return new Intl.NumberFormat(chainplanLocale(lang), {maximumFractionDigits: digits}).format(value * 100) + " %";
};
