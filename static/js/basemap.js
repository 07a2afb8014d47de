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
 * Labels: one canvas over the view; countries first, then cities from the most populous,
 * each written unless it would overlap one already written (a simple greedy pass). The
 * tiles carry the places up to 128 px around them, so a name near a tile edge is known to
 * both; each place is written once. Text has a white halo, 12 px or more (legible on a
 * phone).
 * No innerHTML, no eval (strict CSP); styles go through the CSSOM.
 */
(function () {
  "use strict";
  if (!window.L) return;

  var WATER = "#b9cdd9";
  var LAND = "#f3f1ea";
  var LANGUAGES = ["es", "pt", "fr", "en"];
  var FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', sans-serif";
  var HALO = "rgba(255, 255, 255, 0.92)";
  var CACHED_TILES = 256;
  var DEFAULT_LABELS_Z = 450;

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

  /* The place names of the view, written on one canvas over the map: the "places" of the
   * tiles that cover it (the same requests as the shapes' tiles), each place once, countries
   * first and then by rank, a name left out where it would overlap one already written.
   * Redrawn when the map stops moving and as tiles arrive; hidden while zooming. */
  var Labels = L.Layer.extend({
    initialize: function (source, paneName) {
      this._source = source;
      this.options.pane = paneName;
      this._generation = 0;
      this.written = 0;
    },

    onAdd: function (map) {
      this._canvas = L.DomUtil.create("canvas", "tejido-basemap-labels");
      this._canvas.setAttribute("aria-hidden", "true");
      // The site's `canvas { max-width: 100% }` would shrink it to its pane's zero width.
      this._canvas.style.maxWidth = "none";
      this._canvas.style.maxHeight = "none";
      this.getPane().appendChild(this._canvas);
      map.on("moveend zoomend resize viewreset", this._update, this);
      map.on("zoomstart", this._hide, this);
      this._update();
    },

    onRemove: function (map) {
      map.off("moveend zoomend resize viewreset", this._update, this);
      map.off("zoomstart", this._hide, this);
      L.DomUtil.remove(this._canvas);
      this._canvas = null;
      this._generation += 1;
    },

    _hide: function () {
      if (this._canvas) this._canvas.style.visibility = "hidden";
    },

    _update: function () {
      var map = this._map;
      if (!map || !this._canvas) return;
      var generation = (this._generation += 1);
      var zoom = Math.max(0, Math.min(19, Math.round(map.getZoom())));
      // The view in pixels of the tiles' zoom (the map's may be fractional).
      var bounds = map.getPixelBounds();
      var scale = map.getZoomScale(zoom, map.getZoom());
      var count = Math.pow(2, zoom);
      var jobs = [];
      var min = bounds.min.multiplyBy(scale).divideBy(256).floor();
      var max = bounds.max.multiplyBy(scale).divideBy(256).floor();
      for (var y = Math.max(0, min.y); y <= Math.min(count - 1, max.y); y++) {
        for (var x = min.x; x <= max.x; x++) {
          jobs.push({ x: x, y: y, z: zoom, wrapped: ((x % count) + count) % count });
        }
      }
      var layer = this;
      var tiles = [];
      var pending = null;
      function redraw() {
        pending = null;
        if (generation === layer._generation) layer._draw(tiles);
      }
      jobs.forEach(function (job) {
        layer._source
          .tile({ x: job.wrapped, y: job.y, z: job.z })
          .then(function (tile) {
            tiles.push({ job: job, tile: tile });
            if (!pending) pending = window.requestAnimationFrame(redraw);
          })
          .catch(function () {});
      });
      if (!jobs.length) this._draw(tiles);
    },

    _draw: function (tiles) {
      var map = this._map;
      var canvas = this._canvas;
      if (!map || !canvas) return;
      var size = map.getSize();
      var ratio = Math.min(window.devicePixelRatio || 1, 3);
      L.DomUtil.setPosition(canvas, map.containerPointToLayerPoint([0, 0]));
      canvas.width = Math.round(size.x * ratio);
      canvas.height = Math.round(size.y * ratio);
      canvas.style.width = size.x + "px";
      canvas.style.height = size.y + "px";
      canvas.style.visibility = "visible";
      var context = canvas.getContext("2d");
      context.setTransform(ratio, 0, 0, ratio, 0, 0);
      context.textBaseline = "middle";
      context.lineJoin = "round";

      var seen = {};
      var places = [];
      tiles.forEach(function (entry) {
        var layer = entry.tile && entry.tile.layers && entry.tile.layers.places;
        if (!layer || !layer.features) return;
        var scale = 256 / (layer.extent || 4096);
        layer.features.forEach(function (feature) {
          var p = feature.properties || {};
          // Once each, in each copy of the world on the screen.
          var key = p.kind + ":" + p.rank + ":" + Math.floor(entry.job.x / Math.pow(2, entry.job.z));
          var at = feature.geometry && feature.geometry[0] && feature.geometry[0][0];
          if (!at || !p.name || seen[key]) return;
          seen[key] = true;
          var global = L.point(
            (entry.job.x * 256 + at.x * scale),
            (entry.job.y * 256 + at.y * scale)
          );
          var point = map.latLngToContainerPoint(map.unproject(global, entry.job.z));
          places.push({ properties: p, name: String(p.name), x: point.x, y: point.y });
        });
      });
      places.sort(priority);

      var boxes = [];
      var written = 0;
      places.forEach(function (place) {
        var style = lettering(place.properties);
        context.font = style.font;
        var width = context.measureText(place.name).width;
        var height = parseInt(style.font.split(" ")[1], 10) || 12;
        var left = style.dot ? place.x + 5 : place.x - width / 2;
        // The box a name takes, with a margin: two names are at least 4 px apart.
        var box = [
          left - (style.dot ? 8 : 2),
          place.y - height / 2 - 2,
          left + width + 2,
          place.y + height / 2 + 2,
        ];
        if (box[2] < 0 || box[0] > size.x || box[3] < 0 || box[1] > size.y) return;
        if (overlaps(box, boxes)) return;
        boxes.push(box);
        if (style.dot) {
          context.beginPath();
          context.arc(place.x, place.y, 2.5, 0, 2 * Math.PI);
          context.fillStyle = style.colour;
          context.strokeStyle = HALO;
          context.lineWidth = 1.5;
          context.fill();
          context.stroke();
        }
        context.strokeStyle = HALO;
        context.lineWidth = 3;
        context.strokeText(place.name, left, place.y);
        context.fillStyle = style.colour;
        context.fillText(place.name, left, place.y);
        written += 1;
      });
      this.written = written;
      canvas.dataset.written = String(written);
    },
  });

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
    var labelsPane = pane(map, "tejidoBasemapLabels", options.labelsZIndex || DEFAULT_LABELS_Z);
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
      group.addLayer(new Labels(shapes, labelsPane));
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
