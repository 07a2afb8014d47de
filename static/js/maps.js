/* Tejido's small maps: the glue around the maps that mapping/maps.py builds with folium.
 *
 * Popups are built here from the JSON data block next to each map, with createElement and
 * textContent only: a name is always text, never markup. A link is made only for a path on
 * this site. No innerHTML, no eval, no inline handlers (the page runs under a strict
 * Content-Security-Policy).
 */
(function () {
  "use strict";

  /* A same-origin path for href, or null. */
  function sitePath(url) {
    if (typeof url !== "string" || url.charAt(0) !== "/") return null;
    var second = url.charAt(1);
    if (second === "/" || second === "\\") return null;
    var parsed;
    try {
      parsed = new URL(url, window.location.origin);
    } catch (e) {
      return null;
    }
    if (parsed.origin !== window.location.origin) return null;
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return null;
    return parsed.pathname + parsed.search + parsed.hash;
  }

  function popupContent(point) {
    var box = document.createElement("div");
    box.className = "map-popup";
    var href = sitePath(point.url);
    var title = document.createElement(href ? "a" : "strong");
    title.className = "map-popup__name";
    if (href) title.href = href;
    title.textContent = String(point.name || "");
    box.appendChild(title);
    if (point.label) {
      var line = document.createElement("p");
      line.className = "map-popup__label";
      line.textContent = String(point.label);
      box.appendChild(line);
    }
    return box;
  }

  /* Shows the map's box (hidden without JavaScript) and gives it its height, before
   * Leaflet measures it. */
  function prepare(id, height) {
    var element = document.getElementById(id);
    if (!element) return;
    element.style.height = height;
    var box = element.closest(".tejido-map");
    if (box) box.classList.add("is-ready");
  }

  /* Binds a popup to each marker, from the data block `dataId` (same order as `layers`),
   * and makes each marker reachable with the keyboard. */
  function bind(map, dataId, layers) {
    var block = document.getElementById(dataId);
    if (!block) return;
    var points = JSON.parse(block.textContent);
    // Popups stay clear of the zoom buttons, also on a phone-wide map.
    var options = {
      maxWidth: Math.max(120, Math.min(240, map.getSize().x - 130)),
      autoPanPaddingTopLeft: L.point(60, 10),
      autoPanPaddingBottomRight: L.point(10, 10),
    };
    layers.forEach(function (layer, index) {
      var point = points[index];
      if (!point) return;
      layer.bindPopup(function () {
        return popupContent(point);
      }, options);
      var path = layer.getElement && layer.getElement();
      if (!path) return;
      path.setAttribute("tabindex", "0");
      path.setAttribute("role", "button");
      path.setAttribute("aria-label", String(point.name || ""));
      path.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          layer.openPopup();
        }
      });
    });
  }

  window.TejidoMaps = { prepare: prepare, bind: bind, sitePath: sitePath };
})();
