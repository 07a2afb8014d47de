/* Tejido's basemap, shared by every map: `TejidoBasemap.add(map, config, options)`.
 *
 * `config` comes from the server (mapping/basemap.py `client_config`): with a `url`, the
 * raster tiles of the configured tile server (L.tileLayer); without one, Tejido's own
 * vector basemap from /api/v1/tiles/basemap/ (mapping/basemap.py): the land (layer "land")
 * drawn over the map's background, which is the water; borders (layer "boundaries": country,
 * admin1, admin2) as thin grey lines; place names (layer "places") written on a canvas per
 * tile by a grid layer of its own (Leaflet.VectorGrid draws no text). Nothing of it is
 * interactive: its panes take no pointer events, so clicks reach the map and what is on it.
 *
 * Labels: countries first, then cities from the most populous, each written unless it
 * would overlap one already written (a simple greedy pass per tile over the tile and the
 * 128 px around it, which the tiles carry: a label across a tile edge is written by both
 * tiles, the same way in both). Text has a white halo, 12 px or more (legible on a phone).
 * No innerHTML, no eval (strict CSP); styles go through the CSSOM.
 */
(function () {
  "use strict";

  var WATER = "#b9cdd9";
  var LAND = "#f3f1ea";
  var LANGUAGES = ["es", "pt", "fr", "en"];
  var FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', sans-serif";
  var HALO = "rgba(255, 255, 255, 0.92)";
  var CACHED_TILES = 256;

  var LINES = {
    country: { color: "#6f7780", weight: 1.2, opacity: 0.9 },
    admin1: { color: "#959ca4", weight: 0.8, opacity: 0.9 },
    admin2: { color: "#b9bec3", weight: 0.5, opacity: 0.9 },
  };

  var STYLES = {
    land: { fill: true, fillColor: LAND, fillOpacity: 1, stroke: false, weight: 0 },
    boundaries: function (properties, zoom) {
      var line = LINES[properties.level] || LINES.admin2;
      var weight = line.weight + (zoom >= 8 ? 0.3 : 0);
      return { stroke: true, fill: false, color: line.color, weight: weight, opacity: line.opacity };
    },
    places: [], // written by the labels layer
  };

  /* Lettering by kind and tier (1: the largest). Every size is 12 px or more. */
  function lettering(properties) {
    var tier = Number(properties.tier) || 5;
    if (properties.kind === "country") {
      return {
        font: "600 " + (tier <= 1 ? 14 : tier === 2 ? 13 : 12) + "px " + FONT,
        colour: "#4d5661",
        dot: false,
      };
    }
    return {
      font: (tier <= 2 ? "600 " : "400 ") + (tier === 1 ? 14 : tier <= 3 ? 13 : 12) + "px " + FONT,
      colour: "#1f2429",
      dot: true,
    };
  }

  function language() {
    var lang = String(document.documentElement.lang || "").slice(0, 2).toLowerCase();
    return LANGUAGES.indexOf(lang) >= 0 ? lang : "";
  }

  function pane(map, name, zIndex) {
    var element = map.getPane(name) || map.createPane(name);
    element.style.zIndex = String(zIndex);
    element.style.pointerEvents = "none";
    return name;
  }

  /* VectorGrid's protobuf layer, with each tile's promise kept for the labels layer (one
   * request per tile for both). */
  function vectorLayerClass() {
    return L.VectorGrid.Protobuf.extend({
      initialize: function (url, options) {
        L.VectorGrid.Protobuf.prototype.initialize.call(this, url, options);
        this._tejidoTiles = new Map();
      },
      _getVectorTilePromise: function (coords) {
        var key = coords.z + "/" + coords.x + "/" + coords.y;
        var cached = this._tejidoTiles.get(key);
        if (cached) return cached;
        var promise = L.VectorGrid.Protobuf.prototype._getVectorTilePromise.call(this, coords);
        this._tejidoTiles.set(key, promise);
        if (this._tejidoTiles.size > CACHED_TILES) {
          this._tejidoTiles.delete(this._tejidoTiles.keys().next().value);
        }
        return promise;
      },
      tile: function (coords) {
        return this._getVectorTilePromise(coords);
      },
    });
  }

  function overlaps(box, boxes) {
    for (var i = 0; i < boxes.length; i++) {
      var other = boxes[i];
      if (box[0] < other[2] && other[0] < box[2] && box[1] < other[3] && other[1] < box[3]) {
        return true;
      }
    }
    return false;
  }

  function priority(a, b) {
    var ka = a.properties.kind === "country" ? 0 : 1;
    var kb = b.properties.kind === "country" ? 0 : 1;
    if (ka !== kb) return ka - kb;
    return (Number(a.properties.rank) || 0) - (Number(b.properties.rank) || 0);
  }

  /* Writes the labels of a tile's "places" layer on `canvas` (size px a side). */
  function writeLabels(canvas, tile, size, ratio) {
    var layer = tile && tile.layers && tile.layers.places;
    if (!layer || !layer.features || !layer.features.length) return 0;
    var scale = size / (layer.extent || 4096);
    var context = canvas.getContext("2d");
    context.scale(ratio, ratio);
    context.textBaseline = "middle";
    context.lineJoin = "round";
    var features = layer.features.slice().sort(priority);
    var boxes = [];
    var written = 0;
    features.forEach(function (feature) {
      var point = feature.geometry && feature.geometry[0] && feature.geometry[0][0];
      var name = String(feature.properties.name || "");
      if (!point || !name) return;
      var x = point.x * scale;
      var y = point.y * scale;
      var style = lettering(feature.properties);
      context.font = style.font;
      var width = context.measureText(name).width;
      var height = parseInt(style.font.split(" ")[1], 10) || 12;
      var left = style.dot ? x + 5 : x - width / 2;
      // The box a label takes, with a margin: two labels are at least 4 px apart.
      var box = [left - (style.dot ? 8 : 2), y - height / 2 - 2, left + width + 2, y + height / 2 + 2];
      if (overlaps(box, boxes)) return;
      boxes.push(box);
      if (box[2] < 0 || box[0] > size || box[3] < 0 || box[1] > size) return; // a neighbour's
      if (style.dot) {
        context.beginPath();
        context.arc(x, y, 2.5, 0, 2 * Math.PI);
        context.fillStyle = style.colour;
        context.strokeStyle = HALO;
        context.lineWidth = 1.5;
        context.fill();
        context.stroke();
      }
      context.strokeStyle = HALO;
      context.lineWidth = 3;
      context.strokeText(name, left, y);
      context.fillStyle = style.colour;
      context.fillText(name, left, y);
      written += 1;
    });
    return written;
  }

  function labelsLayer(source, paneName) {
    var Labels = L.GridLayer.extend({
      createTile: function (coords, done) {
        var size = this.getTileSize().x;
        var ratio = Math.min(window.devicePixelRatio || 1, 3);
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(size * ratio);
        canvas.height = Math.round(size * ratio);
        canvas.style.width = size + "px";
        canvas.style.height = size + "px";
        source.tile(coords).then(
          function (tile) {
            canvas.dataset.labels = String(writeLabels(canvas, tile, size, ratio));
            done(null, canvas);
          },
          function () {
            done(null, canvas);
          }
        );
        return canvas;
      },
    });
    return new Labels({ pane: paneName, interactive: false, maxZoom: 19, updateWhenZooming: false });
  }

  function tilesUrl(config, version) {
    var query = [];
    var lang = language();
    if (lang) query.push("lang=" + lang);
    if (version) query.push("v=" + encodeURIComponent(version));
    return config.tiles + (query.length ? "?" + query.join("&") : "");
  }

  /* Adds the basemap to `map` and returns its layer group. `options.labelsZIndex`: the
   * labels' pane (default 450: above shaded areas, below markers and popups; under 200 to
   * keep them below a VectorGrid data layer in the tile pane). */
  function add(map, config, options) {
    options = options || {};
    var group = L.layerGroup().addTo(map);
    if (config && config.url) {
      group.addLayer(L.tileLayer(config.url, { attribution: config.attribution, maxZoom: 19 }));
      return group;
    }
    if (!config || !config.tiles || !L.VectorGrid || !L.VectorGrid.Protobuf) return group;
    map.getContainer().style.background = WATER;
    var shapesPane = pane(map, "tejidoBasemap", 150);
    var labelsPane = pane(map, "tejidoBasemapLabels", options.labelsZIndex || 450);
    var Vector = vectorLayerClass();

    function start(version) {
      if (!map.hasLayer(group)) return;
      var shapes = new Vector(tilesUrl(config, version), {
        rendererFactory: L.canvas.tile,
        vectorTileLayerStyles: STYLES,
        interactive: false,
        pane: shapesPane,
        maxZoom: 19,
        maxNativeZoom: 19,
        attribution: config.attribution,
        fetchOptions: { credentials: "same-origin" },
      });
      group.addLayer(shapes);
      group.addLayer(labelsLayer(shapes, labelsPane));
    }

    if (!config.version) {
      start("");
      return group;
    }
    fetch(config.version, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : {};
      })
      .then(
        function (answer) {
          start(answer && /^\d{1,19}$/.test(String(answer.version)) ? String(answer.version) : "");
        },
        function () {
          start("");
        }
      );
    return group;
  }

  window.TejidoBasemap = { add: add, WATER: WATER, LAND: LAND };
})();
