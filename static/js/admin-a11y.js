/* Django's admin, made to pass axe-core (loaded by templates/admin/base_site.html); no inline
   script (the Content-Security-Policy allows none).

   1. select2's comboboxes (the admin's autocomplete fields) are named by the chosen value
      only, so an empty one has no name, and a screen reader never hears the field's label.
      Each is given its field's <label> (the aligned forms' label, or the tabular inline's
      hidden one, templates/admin/edit_inline/tabular.html) as the first part of its name;
      also the dropdown's search box while it is open.
   2. Its clear button ("×", for the mouse: the keyboard clears with Backspace) is put inside
      the list of chosen items of a multiple choice, where only items may be: it is hidden
      from screen readers.
   3. The search icon that SelectFilter2.js (filter_horizontal) puts in a label is a <span>
      with an aria-label, which a span without a role may not have: it is an image.
   4. An inline that scrolls sideways on a narrow screen can be scrolled with the keyboard:
      it becomes a focusable region named by its heading. Only the ones that really scroll,
      so an inline that fits adds no stop to the tab order (the same as static/js/layout.js
      does for the application's tables).
   select2 and SelectFilter2 build their widgets after the page has loaded (select2 again for
   each row added to an inline), so all of this runs again whenever the page's elements change. */
(function () {
  "use strict";

  function labelOf(select) {
    if (!select || !select.id) return null;
    var label = document.querySelector('label[for="' + CSS.escape(select.id) + '"]');
    if (!label) return null;
    if (!label.id) label.id = select.id + "-label";
    return label;
  }

  function labelledBy(element, ids) {
    var value = ids.filter(Boolean).join(" ");
    if (value && element.getAttribute("aria-labelledby") !== value) {
      element.setAttribute("aria-labelledby", value);
    }
  }

  function nameComboboxes() {
    document.querySelectorAll("select.select2-hidden-accessible").forEach(function (select) {
      var container = select.nextElementSibling;
      if (!container || !container.classList.contains("select2")) return;
      var label = labelOf(select);
      if (!label) return;
      var rendered = container.querySelector(".select2-selection__rendered");
      var renderedId = rendered && rendered.id;
      container.querySelectorAll('[role="combobox"]').forEach(function (combobox) {
        labelledBy(combobox, [label.id, renderedId]);
      });
      container.querySelectorAll('[role="textbox"], [role="searchbox"]').forEach(function (box) {
        labelledBy(box, [label.id]);
      });
    });
    // The open dropdown's search box: aria-controls is "select2-<the select's id>-results".
    document.querySelectorAll('.select2-dropdown input[aria-controls^="select2-"]').forEach(
      function (search) {
        var id = search.getAttribute("aria-controls").replace(/^select2-|-results$/g, "");
        var label = labelOf(document.getElementById(id));
        if (label) labelledBy(search, [label.id]);
      }
    );
  }

  function hideClearButtons() {
    document.querySelectorAll("ul.select2-selection__rendered > .select2-selection__clear").forEach(
      function (clear) {
        if (clear.getAttribute("aria-hidden") !== "true") clear.setAttribute("aria-hidden", "true");
      }
    );
  }

  function filterIconsAreImages() {
    document.querySelectorAll("span.search-label-icon[aria-label]:not([role])").forEach(
      function (icon) {
        icon.setAttribute("role", "img");
      }
    );
  }

  function markScrollingInlines() {
    document.querySelectorAll(".inline-group").forEach(function (group) {
      var overflow = window.getComputedStyle(group).overflowX;
      var scrolls =
        (overflow === "auto" || overflow === "scroll") && group.scrollWidth > group.clientWidth + 1;
      var heading = group.querySelector(".inline-heading");
      if (scrolls && !group.hasAttribute("tabindex")) {
        group.setAttribute("tabindex", "0");
        group.setAttribute("role", "region");
        if (heading && heading.id) group.setAttribute("aria-labelledby", heading.id);
        group.dataset.a11yScroll = "1";
      } else if (!scrolls && group.dataset.a11yScroll) {
        group.removeAttribute("tabindex");
        group.removeAttribute("role");
        group.removeAttribute("aria-labelledby");
        delete group.dataset.a11yScroll;
      }
    });
  }

  var pending = false;
  function update() {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () {
      pending = false;
      nameComboboxes();
      hideClearButtons();
      filterIconsAreImages();
      markScrollingInlines();
    });
  }

  function start() {
    update();
    new MutationObserver(function (mutations) {
      // Only elements added or removed: the attributes set here do not wake it again.
      if (mutations.some(function (m) { return m.type === "childList"; })) update();
    }).observe(document.body, { childList: true, subtree: true });
    window.addEventListener("resize", update);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
