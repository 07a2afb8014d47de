/* Tejido's map of the regions index (/regions/): countries shaded with the colours the
 * server chose (the classes of the page's key and the figures of its list), and, zoomed in,
 * their states and provinces. The areas come from the page's own /regions/areas.geojson;
 * tooltips are built with createElement and textContent only (strict CSP: no innerHTML). */
(function () {
  "use strict";

  var element = window.TejidoAreas.element;
  var sitePath = window.TejidoAreas.sitePath;

  function popup(label) {
    return function (layer) {
      var p = layer.feature.properties;
      var box = element("div", "map-popup");
      var href = sitePath(p.url);
      var name = element(href ? "a" : "strong", "map-popup__name", p.name);
      if (href) name.href = href;
      box.appendChild(name);
      box.appendChild(element("p", "map-popup__label", label + ": " + p.value_text));
      box.appendChild(element("p", "map-popup__label", p.listings_text + " · " + p.needs_text));
      return box;
    };
  }

  function shaded(collection, label, style) {
    return L.geoJSON(collection, {
      style: style,
      onEachFeature: function (feature, layer) {
        // A pointer over an area shows its figures; a click (a tap) opens its page.
        layer.bindTooltip(popup(label), { sticky: true, direction: "top" });
        layer.on("click", function () {
          var href = sitePath(feature.properties.url);
          if (href) window.location.assign(href);
        });
      },
    });
  }

  function start() {
    var block = document.getElementById("regions-map-data");
    var box = document.getElementById("regionmap");
    if (!block || !box || !window.L) return;
    var data = JSON.parse(block.textContent);
    var map = L.map(box, { scrollWheelZoom: false, maxZoom: 9, minZoom: 2, zoomSnap: 0.25 });
    window.TejidoBasemap.add(map, data.basemap);
    map.setView([15, -85], 2.5);

    fetch(data.areas_url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("areas: HTTP " + response.status);
        return response.json();
      })
      .then(function (areas) {
        var zoomedIn = function () { return map.getZoom() >= data.states_from_zoom; };
        var countries = shaded(areas.countries, data.shade_label, function (feature) {
          var p = feature.properties;
          // Zoomed in, a country with states shows only its border: its states are shaded.
          var outlineOnly = zoomedIn() && p.has_states;
          return {
            color: "#4a5560",
            weight: outlineOnly ? 2 : 1,
            fillColor: p.colour,
            fillOpacity: outlineOnly ? 0 : 0.75,
          };
        }).addTo(map);
        var states = shaded(areas.states, data.shade_label, function (feature) {
          return { color: "#4a5560", weight: 1, fillColor: feature.properties.colour, fillOpacity: 0.75 };
        });
        function level() {
          if (zoomedIn()) {
            if (!map.hasLayer(states)) states.addTo(map);
          } else if (map.hasLayer(states)) {
            map.removeLayer(states);
          }
          countries.setStyle(countries.options.style);
          if (map.hasLayer(states)) states.bringToFront();
        }
        map.on("zoomend", level);
        var bounds = window.TejidoAreas.mainBounds(countries);
        if (bounds.isValid()) map.fitBounds(bounds, { padding: [8, 8], maxZoom: 5 });
        level();
        box.classList.add("is-ready");
      })
      .catch(function (error) {
        box.classList.add("is-broken");
        if (window.console) console.warn(error);
      });
    box.tejidoMap = map; // for the browser tests
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
