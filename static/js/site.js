/* Tejido's small helpers; every page works without them (no framework, no inline handlers). */
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("js");
  var wide = window.matchMedia("(min-width: 60em)");

  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  ready(function () {
    // Filters and the map are open beside the results on wide screens, toggles on phones.
    document.querySelectorAll("details[data-open-wide]").forEach(function (el) {
      if (wide.matches) { el.open = true; }
      el.addEventListener("toggle", function () {
        // Leaflet measures its box again when the window "resizes".
        window.dispatchEvent(new Event("resize"));
      });
    });

    // An error summary or a thank-you takes the focus, so screen readers hear it first.
    var focus = document.querySelector("[data-focus]");
    if (focus) { focus.focus(); }

    // "Use my location": fills Where with latitude,longitude and searches.
    document.querySelectorAll("[data-locate]").forEach(function (button) {
      if (!("geolocation" in navigator)) { button.hidden = true; return; }
      button.addEventListener("click", function () {
        var form = button.closest("form");
        var input = form.querySelector("input[name=near]");
        var status = form.querySelector("[data-locate-status]");
        if (status) { status.textContent = button.getAttribute("data-locating"); }
        button.disabled = true;
        navigator.geolocation.getCurrentPosition(function (position) {
          input.value = position.coords.latitude.toFixed(4) + "," + position.coords.longitude.toFixed(4);
          form.submit();
        }, function () {
          button.disabled = false;
          if (status) { status.textContent = button.getAttribute("data-failed"); }
          input.focus();
        }, { enableHighAccuracy: false, timeout: 15000, maximumAge: 600000 });
      });
    });

    // Copy link.
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      var status = document.querySelector("[data-copy-status]");
      if (!navigator.clipboard) { button.closest("li").hidden = true; return; }
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
          if (status) { status.textContent = button.getAttribute("data-copied"); }
        });
      });
    });

    // Print.
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  });
})();
