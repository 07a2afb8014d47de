/* Tejido's small maps: the glue around the maps that mapping/maps.py builds with folium.
 *
 * A results map's points come from the JSON data block next to it (`draw`): one circle per
 * point in the point's colour, the view fitted to them, a popup each. Popups are built with
 * createElement and textContent only: a name is always text, never markup. A link is made
 * only for a path on this site. No innerHTML, no eval, no inline handlers (the page runs
 * under a strict Content-Security-Policy).
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

  var COLOUR = /^#[0-9A-Fa-f]{6}$/;

  /* Draws the points of the data block `dataId` on `map`: fits the view to them (before the
   * tile layer is added, so no tile of another view is fetched), then one circle each with
   * `style` (Leaflet circleMarker options) and the point's colour, bound to its popup. */
  function draw(map, dataId, style, fit) {
    var block = document.getElementById(dataId);
    if (!block) return;
    var points = JSON.parse(block.textContent).filter(function (point) {
      return isFinite(point.lat) && isFinite(point.lng);
    });
    if (!points.length) return;
    var bounds = L.latLngBounds(
      points.map(function (point) {
        return [point.lat, point.lng];
      })
    );
    map.fitBounds(bounds, {
      padding: L.point(fit.padding[0], fit.padding[1]),
      maxZoom: fit.maxZoom,
      animate: false,
    });
    var layers = points.map(function (point) {
      var options = L.extend({}, style, {
        fill: true,
        fillColor: COLOUR.test(point.colour) ? point.colour : "#6F4E99",
      });
      return L.circleMarker([point.lat, point.lng], options).addTo(map);
    });
    bind(map, points, layers);
  }

  /* Binds a popup to each marker (`points` in the same order as `layers`) and makes each
   * marker reachable with the keyboard. */
  function bind(map, points, layers) {
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

  window.TejidoMaps = { prepare: prepare, draw: draw, sitePath: sitePath };
})();
