/* Tejido's regional map (/regions/<slug>/): the areas shaded with the colours the server
 * chose (the same classes as the key and the table), open needs as circles sized by count,
 * and the gaps as diamonds. Everything comes from the JSON data block of the page; popups
 * are built with createElement and textContent only (strict CSP: no innerHTML, no eval). */
(function () {
  "use strict";

  var element = window.TejidoAreas.element;
  var sitePath = window.TejidoAreas.sitePath;

  function start() {
    var block = document.getElementById("region-map-data");
    var box = document.getElementById("regionmap");
    if (!block || !box || !window.L) return;
    var data = JSON.parse(block.textContent);
    var text = data.text;
    var map = L.map(box, { scrollWheelZoom: false, maxZoom: 14, zoomSnap: 0.25 });
    window.TejidoBasemap.add(map, data.basemap);

    var outline = data.outline ? L.geoJSON(data.outline, {
      interactive: false,
      style: { color: "#1f2933", weight: 2, fill: false },
    }).addTo(map) : null;

    var areas = L.geoJSON(data.areas, {
      style: function (feature) {
        return {
          color: "#4a5560",
          weight: 1,
          fillColor: feature.properties.colour,
          fillOpacity: 0.75,
        };
      },
      onEachFeature: function (feature, layer) {
        var p = feature.properties;
        layer.bindPopup(function () {
          var box = element("div", "map-popup");
          var href = sitePath(p.url);
          var name = element(href ? "a" : "strong", "map-popup__name", p.name);
          if (href) name.href = href;
          box.appendChild(name);
          box.appendChild(element("p", "map-popup__label", data.shade_label + ": " + p.value_text));
          box.appendChild(element("p", "map-popup__label", p.needs_text));
          return box;
        });
      },
    }).addTo(map);

    var needs = L.layerGroup();
    var most = 0;
    data.areas.features.forEach(function (f) { most = Math.max(most, f.properties.needs || 0); });
    data.areas.features.forEach(function (f) {
      var p = f.properties;
      if (!p.needs || !p.anchor) return;
      var radius = 6 + 22 * Math.sqrt(p.needs / Math.max(1, most));
      L.circleMarker(p.anchor, {
        radius: radius,
        color: "#7a0019",
        weight: 2,
        fillColor: data.need_colour,
        fillOpacity: 0.55,
        interactive: false,
      }).addTo(needs);
    });
    needs.addTo(map);

    var gaps = L.layerGroup();
    var diamond = L.divIcon({ className: "gap-marker", iconSize: [18, 18], iconAnchor: [9, 9] });
    data.gaps.forEach(function (gap) {
      var marker = L.marker([gap.lat, gap.lng], { icon: diamond, keyboard: true, title: gap.name, alt: gap.name });
      marker.bindPopup(function () {
        var box = element("div", "map-popup");
        box.appendChild(element("strong", "map-popup__name", gap.name));
        box.appendChild(element("p", "map-popup__label", text.gap));
        box.appendChild(element("p", "map-popup__label", text.population + ": " + gap.population_text));
        box.appendChild(element("p", "map-popup__label", text.nearest + ": " + gap.nearest_text));
        return box;
      });
      marker.addTo(gaps);
    });
    gaps.addTo(map);

    var bounds = window.TejidoAreas.mainBounds(outline || areas);
    if (bounds && bounds.isValid()) {
      map.fitBounds(bounds, { padding: [8, 8] });
    } else {
      map.setView([15, -85], 3);
    }

    var layers = { needs: needs, gaps: gaps };
    document.querySelectorAll("input[data-layer]").forEach(function (input) {
      input.addEventListener("change", function () {
        var layer = layers[input.getAttribute("data-layer")];
        if (!layer) return;
        if (input.checked) layer.addTo(map); else map.removeLayer(layer);
      });
    });
    box.classList.add("is-ready");
    box.tejidoMap = map; // for the browser tests
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
