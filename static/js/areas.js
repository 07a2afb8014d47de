/* What the maps of areas share (regionmap.js for /regions/<slug>/, regionsmap.js for
 * /regions/): DOM text built with createElement and textContent only (strict CSP: no
 * innerHTML), links kept on this site, and the bounds to fit a view to. */
(function () {
  "use strict";

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  /** The URL if it is a path of this site, else null (never a link elsewhere). */
  function sitePath(url) {
    return typeof url === "string" && /^\/[^/\\]/.test(url) ? url : null;
  }

  /** The bounds of the largest part of each area of a GeoJSON layer: a country's far
   * islands (the Aleutians lie past the antimeridian) would stretch the view around the
   * whole world. */
  function mainBounds(layer) {
    var all = L.latLngBounds([]);
    layer.eachLayer(function (area) {
      if (!area.getLatLngs) return;
      var parts = area.getLatLngs();
      // A Polygon is [outer, holes...]; a MultiPolygon is a list of those.
      if (L.LineUtil.isFlat(parts[0])) parts = [parts];
      var best = null;
      var bestSize = -1;
      parts.forEach(function (part) {
        var bounds = L.latLngBounds(part[0]);
        if (!bounds.isValid()) return;
        var size = (bounds.getEast() - bounds.getWest()) * (bounds.getNorth() - bounds.getSouth());
        if (size > bestSize) {
          best = bounds;
          bestSize = size;
        }
      });
      if (best) all.extend(best);
    });
    return all;
  }

  window.TejidoAreas = { element: element, sitePath: sitePath, mainBounds: mainBounds };
})();
