/* Point picker for the listing form: a tap on the map fills the latitude and longitude
 * fields; the shaded square is the cell the public sees (directory/privacy.py: fixed grid
 * cells of 0.01° for "area", 0.1° for "region"). Without this script the form works with
 * typed coordinates or a place look-up. */
(function () {
  "use strict";
  var root = document.getElementById("point-picker");
  if (!root || typeof L === "undefined" || !window.TejidoBasemap) { return; }
  var latField = document.getElementById(root.dataset.latField);
  var lngField = document.getElementById(root.dataset.lngField);
  var precisionName = root.dataset.precisionName;
  var CELLS = { area: 100, region: 10 };

  function number(field) {
    var value = parseFloat(String(field.value).replace(",", "."));
    return isFinite(value) ? value : null;
  }
  function precision() {
    var checked = document.querySelector("input[name='" + precisionName + "']:checked");
    return checked ? checked.value : "area";
  }
  function cellCentre(lng, lat, k) {
    var x = (Math.min(Math.floor(lng * k), 180 * k - 1) + 0.5) / k;
    var y = (Math.min(Math.floor(lat * k), 90 * k - 1) + 0.5) / k;
    return [y, x];
  }
  function publicPoint(lat, lng, value) {
    if (value === "hidden") { return null; }
    if (value === "exact") { return [lat, lng]; }
    return cellCentre(lng, lat, CELLS[value]);
  }

  root.hidden = false;
  var mapNode = root.querySelector(".point-picker__map");
  var map = L.map(mapNode, { scrollWheelZoom: false });
  window.TejidoBasemap.add(map, JSON.parse(root.dataset.basemap || "{}"));
  var marker = null;
  var cell = null;

  function update(recentre) {
    var lat = number(latField), lng = number(lngField);
    var has = lat !== null && lng !== null && Math.abs(lat) <= 90 && Math.abs(lng) <= 180;
    ["exact", "area", "region"].forEach(function (value) {
      var preview = document.querySelector("[data-preview='" + value + "']");
      if (!preview) { return; }
      var shown = has ? publicPoint(lat, lng, value) : null;
      preview.querySelector("[data-no-point]").hidden = has;
      preview.querySelector("[data-has-point]").hidden = !has;
      preview.querySelector("[data-point]").textContent = shown
        ? shown[0].toFixed(4) + ", " + shown[1].toFixed(4) : "";
    });
    if (cell) { map.removeLayer(cell); cell = null; }
    if (!has) {
      if (marker) { map.removeLayer(marker); marker = null; }
      if (recentre) { map.setView([15, -85], 3); }
      return;
    }
    if (!marker) {
      marker = L.circleMarker([lat, lng], { radius: 7, color: "#1f2933", fillColor: "#8a2c0d", fillOpacity: 1 }).addTo(map);
    } else {
      marker.setLatLng([lat, lng]);
    }
    var value = precision();
    if (CELLS[value]) {
      var size = 1 / CELLS[value];
      var centre = publicPoint(lat, lng, value);
      cell = L.rectangle(
        [[centre[0] - size / 2, centre[1] - size / 2], [centre[0] + size / 2, centre[1] + size / 2]],
        { color: "#8a2c0d", weight: 2, fillOpacity: 0.15, interactive: false }
      ).addTo(map);
    }
    if (recentre) {
      map.setView([lat, lng], value === "region" ? 10 : 14);
    }
  }

  map.on("click", function (event) {
    latField.value = event.latlng.lat.toFixed(6);
    lngField.value = L.Util.wrapNum(event.latlng.lng, [-180, 180], true).toFixed(6);
    update(false);
  });
  latField.addEventListener("change", function () { update(true); });
  lngField.addEventListener("change", function () { update(true); });
  document.querySelectorAll("input[name='" + precisionName + "']").forEach(function (input) {
    input.addEventListener("change", function () { update(false); });
  });
  update(true);
})();
