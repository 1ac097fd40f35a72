/* Layout helpers, no inline script or style (the Content-Security-Policy allows neither).

   1. A table that scrolls sideways (.table-wrap wider than its box) can be scrolled with the
   keyboard: it becomes a focusable, named region. Only the ones that really scroll, so a
   table that fits adds no stop to the tab order. Run again after htmx swaps and on resize.
   2. The filter form is a <details>, closed on a phone unless a filter is applied (so it does
      not fill the first screen); on a wider screen it is opened. Without JavaScript it stays
      as the server rendered it, one click away. */
(function () {
  "use strict";
  var script = document.currentScript;
  var fallback = (script && script.dataset.label) || "Table";

  function nameOf(wrap) {
    var caption = wrap.querySelector("caption");
    if (caption && caption.textContent.trim()) return caption.textContent.trim();
    var node = wrap.previousElementSibling;
    while (node) {
      if (/^H[1-6]$/.test(node.tagName)) return node.textContent.trim();
      node = node.previousElementSibling;
    }
    var section = wrap.closest("section, .card");
    var heading = section && section.querySelector("h1, h2, h3, h4");
    return heading ? heading.textContent.trim() : fallback;
  }

  function mark() {
    document.querySelectorAll(".table-wrap").forEach(function (wrap) {
      var scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
      if (scrolls && !wrap.hasAttribute("tabindex")) {
        wrap.setAttribute("tabindex", "0");
        wrap.dataset.scrollRegion = "auto";
        if (!wrap.hasAttribute("role")) wrap.setAttribute("role", "region");
        if (!wrap.hasAttribute("aria-label")) wrap.setAttribute("aria-label", nameOf(wrap));
      } else if (!scrolls && wrap.dataset.scrollRegion === "auto") {
        wrap.removeAttribute("tabindex");
        wrap.removeAttribute("role");
        wrap.removeAttribute("aria-label");
        delete wrap.dataset.scrollRegion;
      }
    });
  }

  function openFiltersOnWideScreens() {
    if (!window.matchMedia("(min-width: 48rem)").matches) return;
    document.querySelectorAll("details.filter-box").forEach(function (box) { box.open = true; });
  }

  var pending = null;
  function soon() {
    if (pending) return;
    pending = window.requestAnimationFrame(function () { pending = null; mark(); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { openFiltersOnWideScreens(); mark(); });
  } else {
    openFiltersOnWideScreens();
    mark();
  }
  window.addEventListener("load", mark);
  window.addEventListener("resize", soon);
  document.addEventListener("htmx:afterSettle", soon);
})();
