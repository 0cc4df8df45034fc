// What the third-party components lack for keyboards and screen readers, set on the page as they draw
// (README, "Keyboard and screen readers"; tests/e2e/test_accessibility.py measures it with axe-core).
//
// - Dash 4.4's dcc.Dropdown puts a focusable input marked aria-hidden before its button (which has tabindex -1)
//   and moves the focus on to the button: a screen reader's user tabs onto something it is told is not there.
//   No property of the component changes it (Dash 4.4.1 is the newest release), so the button itself becomes the
//   Tab stop and the hidden input leaves the Tab order. Its accessible name reads the chosen value before the
//   "2 selected" count, in the order the button shows them.
// - dcc.Upload's file input has no label: it gets the words of the box around it.
// - The skip link moves the focus itself instead of changing the address's #fragment: Dash's page router takes a
//   changed address for a new page and draws it again, and the focus the link just moved fell back to the page.
(function () {
    "use strict";

    function setAttribute(element, name, value) {
        if (element.getAttribute(name) !== value) {
            element.setAttribute(name, value);
        }
    }

    function dropdowns(root) {
        root.querySelectorAll(".dash-dropdown-focus-target").forEach(function (target) {
            var button = target.nextElementSibling;
            setAttribute(target, "tabindex", "-1");
            if (button && button.tagName === "BUTTON") {
                setAttribute(button, "tabindex", button.disabled ? "-1" : "0");
                var named = button.getAttribute("aria-labelledby");
                if (named) {
                    var ids = named.split(/\s+/);
                    var counts = ids.filter(function (id) { return /-value-count$/.test(id); });
                    var ordered = ids.filter(function (id) { return !/-value-count$/.test(id); }).concat(counts);
                    setAttribute(button, "aria-labelledby", ordered.join(" "));
                }
            }
        });
    }

    function uploads(root) {
        root.querySelectorAll("input[type=file]:not([aria-label])").forEach(function (input) {
            var box = input.parentElement;
            var words = box ? box.innerText.trim() : "";
            if (words) {
                input.setAttribute("aria-label", words);
            }
        });
    }

    function mend() {
        dropdowns(document);
        uploads(document);
    }

    var pending = false;
    var observer = new MutationObserver(function () {
        if (!pending) {
            pending = true;
            // After React's commit, once per burst of changes.
            window.queueMicrotask(function () {
                pending = false;
                observer.disconnect();
                mend();
                observe();
            });
        }
    });

    function observe() {
        observer.observe(document.body, {childList: true, subtree: true, attributes: true,
                                         attributeFilter: ["tabindex", "aria-labelledby", "disabled", "role"]});
    }

    function skipTo(event) {
        var link = event.target.closest ? event.target.closest("a.cp-skip") : null;
        var target = link ? document.getElementById(link.getAttribute("href").slice(1)) : null;
        if (target) {
            event.preventDefault();
            target.focus();
            target.scrollIntoView();
        }
    }

    function start() {
        document.addEventListener("click", skipTo);
        mend();
        observe();
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", start);
    } else {
        start();
    }
}());
