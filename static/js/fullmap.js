/* Tejido's full map (/map/ and /embed/map/): Leaflet and the vector tiles of /api/v1/tiles/
 * drawn by Leaflet.VectorGrid on canvas.
 *
 * The page carries no points: the tiles do (layer "cells": a circle per 32 px cell counting
 * its listings, at their centroid; layer "listings", from zoom 10: a cell's lone listing,
 * coloured by kind). The tiles draw a count at least 11 px inside its cell (two counts are
 * 22 px apart or more) and a count's circle is at most 2 * MAX_RADIUS px wide, so that
 * neighbouring numbers never cover each other; each tile also carries the features of its
 * neighbours within that radius of its edge (each canvas draws the parts of their symbols that overlap it):
 * anything summed over tiles counts each cell key and listing id once. A click on a
 * listing opens a popup built from its public detail (/api/v1/listings/<slug>/) with
 * createElement and textContent only: names are text, never markup. The list under the map
 * names what is in view (/api/v1/listings/?bbox=...), for screen readers and for anyone who
 * would rather read than pan. No innerHTML, no eval, no inline handlers (strict CSP).
 */
(function () {
  "use strict";

  /* Leaflet.VectorGrid 1.3.0 with Leaflet 1.9 (VectorGrid issues #267, #274, #294, #295):
   * its canvas renderer calls L.DomEvent.fakeStop, which Leaflet 1.8 removed (a click throws),
   * and hands events to Map#_fireDOMEvent, which takes the position of a point with a radius
   * of 10 px or less from its getLatLng(): a VectorGrid point has no latlng, so clicks and
   * hovers on small points throw "Cannot read properties of undefined (reading 'lat')". It
   * also reads this._map of tiles already removed from the map. Here the tile renderer
   * fires its events itself, at the pointer's position, and does nothing once its tile has
   * left the map. It also writes a label (the count of a cell) in the middle of a circle. */
  function patchVectorGrid() {
    var Tile = L.Canvas && L.Canvas.Tile;
    if (!Tile || Tile.prototype._tejidoPatched) return;
    var drawCircle = L.Canvas.prototype._updateCircle;
    Tile.include({
      _tejidoPatched: true,

      _onClick: function (e) {
        var map = this._map;
        if (!map) return;
        var point = map.mouseEventToLayerPoint(e).subtract(this.getOffset());
        var clicked = null;
        for (var id in this._layers) {
          var layer = this._layers[id];
          if (layer.options.interactive && layer._containsPoint(point) && !map._draggableMoved(layer)) {
            clicked = layer;
          }
        }
        this._fireEvent(clicked ? [clicked] : false, e);
      },

      _onMouseMove: function (e) {
        var map = this._map;
        if (!map || map.dragging.moving() || map._animatingZoom) return;
        this._handleMouseHover(e, map.mouseEventToLayerPoint(e).subtract(this.getOffset()));
      },

      _fireEvent: function (layers, e, type) {
        var map = this._map;
        if (!map) return;
        type = type || e.type;
        var containerPoint = map.mouseEventToContainerPoint(e);
        var layerPoint = map.containerPointToLayerPoint(containerPoint);
        var data = {
          originalEvent: e,
          containerPoint: containerPoint,
          layerPoint: layerPoint,
          latlng: map.layerPointToLatLng(layerPoint),
        };
        if (type === "click") map.fire("preclick", data, true); // closes an open popup
        var targets = [];
        (layers || []).forEach(function (layer) {
          if (layer.listens(type, true)) targets.push(layer);
        });
        var hover = type === "mouseover" || type === "mouseout";
        var dragged = type === "click" && map._draggableMoved(map);
        if (!hover && !dragged && map.listens(type, true)) targets.push(map);
        for (var i = 0; i < targets.length; i++) {
          targets[i].fire(type, data, true);
          if (e._stopped) return;
        }
      },

      _updateCircle: function (layer) {
        drawCircle.call(this, layer);
        var label = layer.options && layer.options.label;
        if (!label || !this._drawing || layer._empty()) return;
        var ctx = this._ctx;
        var p = layer._point;
        ctx.save();
        ctx.font = "700 10px system-ui, sans-serif";
        ctx.textAlign = "center";
        ctx.textBaseline = "middle";
        // A ring of the circle's colour keeps a four-character number readable where it
        // reaches the circle's white edge.
        ctx.lineJoin = "round";
        ctx.lineWidth = 3;
        ctx.strokeStyle = layer.options.fillColor || NEUTRAL;
        ctx.strokeText(String(label), p.x, p.y + 0.5);
        ctx.fillStyle = "#ffffff";
        ctx.fillText(String(label), p.x, p.y + 0.5);
        ctx.restore();
      },
    });
  }

  var SLUG = /^[-a-zA-Z0-9_]{1,100}$/;
  var NEUTRAL = "#4a5560";
  /* A count's circle with its white ring stays within 11.75 px of its centre, a listing's
   * within 7 px: the tiles carry 12 px around their edges (BUFFER_PX of mapping/tiles.py). */
  var MAX_RADIUS = 11;
  var MIN_RADIUS = 7;
  var POINT_RADIUS = 6;

  function cellRadius(total) {
    return Math.min(MAX_RADIUS, MIN_RADIUS + 1.3 * Math.log(Math.max(1, total)) / Math.LN2);
  }

  /* The key of a tile feature: a listing by its id, a cell by its key at its zoom (the same
   * feature in two tiles has the same key). */
  function featureKey(feature) {
    var properties = feature.properties || {};
    if (properties.slug !== undefined) return "l" + properties.id;
    return "c" + feature.id;
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function format(template, count) {
    return String(template).replace("%(count)s", count);
  }

  function start() {
    var block = document.getElementById("fullmap-config");
    var box = document.getElementById("fullmap");
    if (!block || !box || !window.L) return;
    var config = JSON.parse(block.textContent);
    patchVectorGrid();
    var text = config.text;
    var numbers = new Intl.NumberFormat(config.language);
    var compact;
    try {
      // At most four characters in a circle: 999, 1.2K, 12K, 120K (2 significant digits).
      compact = new Intl.NumberFormat(config.language, { notation: "compact", maximumSignificantDigits: 2 });
    } catch (e) {
      compact = numbers;
    }
    function label(total) {
      return total < 1000 ? numbers.format(total) : compact.format(total);
    }
    var status = document.querySelector("[data-map-status]");
    function say(message) {
      if (status) status.textContent = message || "";
    }

    var map = L.map(box, { zoomControl: true, worldCopyJump: true, maxZoom: 18, minZoom: 2 });
    map.fitBounds([[-45, -120], [55, -40]]);
    // The basemap's names below the listings' counts (their grid is in the tile pane, 200).
    window.TejidoBasemap.add(map, config.basemap, { labelsZIndex: 190 });

    var visible = {};
    config.kinds.forEach(function (kind) { visible[kind] = true; });

    function cellCount(properties) {
      var total = 0;
      var kinds = 0;
      var only = null;
      config.kinds.forEach(function (kind) {
        var n = Number(properties[kind]) || 0;
        if (visible[kind] && n > 0) {
          total += n;
          kinds += 1;
          only = kind;
        }
      });
      return { total: total, colour: kinds === 1 ? config.colours[only] : NEUTRAL };
    }

    var styles = {
      cells: function (properties) {
        var cell = cellCount(properties);
        if (!cell.total) return [];
        return {
          radius: cellRadius(cell.total),
          fill: true,
          fillColor: cell.colour,
          fillOpacity: 0.9,
          color: "#ffffff",
          weight: 1.5,
          label: cell.total > 1 ? label(cell.total) : "",
        };
      },
      listings: function (properties) {
        var kind = String(properties.kind || "");
        if (!visible[kind]) return [];
        return {
          radius: POINT_RADIUS,
          fill: true,
          fillColor: config.colours[kind] || NEUTRAL,
          fillOpacity: 0.95,
          color: "#ffffff",
          weight: 2,
        };
      },
    };

    var grid = null;
    function addGrid(version) {
      var url = config.tiles + "?v=" + encodeURIComponent(version) + (config.filters ? "&" + config.filters : "");
      grid = L.vectorGrid.protobuf(url, {
        rendererFactory: L.canvas.tile,
        interactive: true,
        vectorTileLayerStyles: styles,
        maxZoom: 18,
        getFeatureId: featureKey,
        fetchOptions: { credentials: "omit" },
      });
      grid.on("click", onFeatureClick);
      grid.on("load", showTotal);
      grid.addTo(map);
    }
    fetch(config.version, { headers: { Accept: "application/json" }, credentials: "omit" })
      .then(function (response) { return response.ok ? response.json() : {}; })
      .then(function (body) { addGrid(String((body && body.version) || "0")); })
      .catch(function () { addGrid("0"); });

    // --- Popups -------------------------------------------------------------------------
    function pageUrl(slug) {
      return config.page.replace("__slug__", encodeURIComponent(slug));
    }

    function textIn(texts, language, original) {
      if (!texts || typeof texts !== "object") return null;
      var order = [language, original, "es", "en", "pt", "fr"];
      for (var i = 0; i < order.length; i++) {
        if (order[i] && texts[order[i]]) return { text: String(texts[order[i]]), lang: order[i] };
      }
      return null;
    }

    function linkTarget(link) {
      if (config.embedded) {
        link.target = "_blank";
        link.rel = "noopener";
      }
      return link;
    }

    function popupContent(listing, slug) {
      var content = element("div", "map-popup");
      var title = linkTarget(element("a", "map-popup__name", listing.name));
      title.href = pageUrl(slug);
      content.appendChild(title);
      var address = listing.address || {};
      var where = [address.locality, address.admin1].filter(function (part) {
        return part && !/^\d+$/.test(String(part));
      });
      var line = [config.labels[listing.kind] || ""].concat(where).filter(Boolean).join(" · ");
      if (line) content.appendChild(element("p", "map-popup__label", line));
      var summary = textIn(listing.summary, config.language, listing.original_language);
      if (summary) {
        var paragraph = element("p", "map-popup__summary", summary.text);
        paragraph.lang = summary.lang;
        content.appendChild(paragraph);
      }
      if (listing.need_kinds && listing.need_kinds.length) {
        content.appendChild(element("p", "map-popup__needs", text.needs));
      }
      var more = linkTarget(element("a", "map-popup__more", text.open));
      more.href = pageUrl(slug);
      content.appendChild(more);
      return content;
    }

    var popupOptions = {
      maxWidth: Math.max(160, Math.min(280, box.clientWidth - 90)),
      autoPanPaddingTopLeft: L.point(60, 10),
      autoPanPaddingBottomRight: L.point(10, 10),
    };

    function onFeatureClick(event) {
      L.DomEvent.stop(event);
      var properties = (event.layer && event.layer.properties) || {};
      if (properties.count !== undefined && properties.slug === undefined) {
        if (map.getZoom() >= map.getMaxZoom()) {
          // Listings at one place (an area, a region): the list names them.
          var heading = document.getElementById("in-view-title");
          if (heading) {
            heading.setAttribute("tabindex", "-1");
            heading.focus();
          }
          return;
        }
        map.setView(event.latlng, Math.min(map.getZoom() + 2, map.getMaxZoom()));
        return;
      }
      var slug = String(properties.slug || "");
      if (!SLUG.test(slug)) return;
      var popup = L.popup(popupOptions)
        .setLatLng(event.latlng)
        .setContent(element("p", "map-popup__label", text.loading))
        .openOn(map);
      fetch(config.listings + encodeURIComponent(slug) + "/", {
        headers: { Accept: "application/json" },
        credentials: "omit",
      })
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          return response.json();
        })
        .then(function (listing) { popup.setContent(popupContent(listing, slug)); })
        .catch(function () { popup.setContent(element("p", "map-popup__label", text.failed)); });
    }

    // --- Layers per kind ------------------------------------------------------------------
    document.querySelectorAll("input[data-kind]").forEach(function (input) {
      input.addEventListener("change", function () {
        visible[input.getAttribute("data-kind")] = input.checked;
        if (grid) grid.redraw();
        refreshList();
        showTotal();
      });
    });

    // --- Near me ------------------------------------------------------------------------------
    var nearMe = document.querySelector("[data-near-me]");
    if (nearMe) {
      if (!("geolocation" in navigator)) {
        nearMe.hidden = true;
      } else {
        nearMe.addEventListener("click", function () {
          say(text.locating);
          nearMe.disabled = true;
          navigator.geolocation.getCurrentPosition(
            function (position) {
              nearMe.disabled = false;
              say("");
              map.setView([position.coords.latitude, position.coords.longitude], 12);
            },
            function () {
              nearMe.disabled = false;
              say(text.locate_failed);
            },
            { enableHighAccuracy: false, timeout: 15000, maximumAge: 600000 }
          );
        });
      }
    }

    // --- What is in view, as a list -------------------------------------------------------
    var list = document.querySelector("[data-in-view]");
    var more = document.querySelector("[data-in-view-more]");
    var title = document.getElementById("in-view-title");
    var hint = document.querySelector("[data-in-view-hint]");
    var pending = null;
    var timer = null;

    function clamp(value, limit) {
      return Math.max(-limit, Math.min(limit, value));
    }

    function bbox() {
      var bounds = map.getBounds();
      var west = bounds.getWest();
      var east = bounds.getEast();
      if (east - west >= 360) {
        west = -180;
        east = 180;
      } else {
        // The view as seen around its centre's longitude within -180..180, cut there.
        var shift = L.Util.wrapNum(bounds.getCenter().lng, [-180, 180], true) - bounds.getCenter().lng;
        west = Math.max(-180, west + shift);
        east = Math.min(180, east + shift);
        if (west >= east) {
          west = -180;
          east = 180;
        }
      }
      return [west, clamp(bounds.getSouth(), 90), east, clamp(bounds.getNorth(), 90)]
        .map(function (n) { return n.toFixed(5); })
        .join(",");
    }

    function shownKinds() {
      return config.kinds.filter(function (kind) { return visible[kind]; });
    }

    function listQuery() {
      var params = new URLSearchParams(config.filters);
      var kinds = shownKinds();
      if (kinds.length !== config.kinds.length) params.set("kind", kinds.join(","));
      params.set("bbox", bbox());
      params.set("limit", "50");
      return params.toString();
    }

    function showList(body) {
      while (list.firstChild) list.removeChild(list.firstChild);
      var results = (body && body.results) || [];
      if (!results.length) list.appendChild(element("li", "", text.in_view_none));
      results.forEach(function (listing) {
        var slug = String(listing.slug || "");
        if (!SLUG.test(slug)) return;
        var item = element("li");
        var link = linkTarget(element("a", "", listing.name));
        link.href = pageUrl(slug);
        item.appendChild(link);
        item.appendChild(document.createTextNode(" "));
        item.appendChild(element("span", "in-view__kind", config.labels[listing.kind] || ""));
        list.appendChild(item);
      });
      var rest = Math.max(0, (Number(body.count) || 0) - results.length);
      if (more) {
        more.textContent = rest
          ? format(body.count_exact === false ? text.in_view_many : text.in_view_more, numbers.format(rest))
          : "";
      }
    }

    function refreshList() {
      if (!list) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(function () {
        if (pending) pending.abort();
        var controller = "AbortController" in window ? new AbortController() : null;
        pending = controller;
        if (!shownKinds().length) {
          showList({ results: [], count: 0 });
          return;
        }
        fetch(config.listings + "?" + listQuery(), {
          headers: { Accept: "application/json" },
          credentials: "omit",
          signal: controller ? controller.signal : undefined,
        })
          .then(function (response) {
            if (!response.ok) throw new Error(String(response.status));
            return response.json();
          })
          .then(function (body) {
            if (title && title.getAttribute("data-in-view-title")) {
              title.textContent = title.getAttribute("data-in-view-title");
            }
            if (hint) hint.hidden = true;
            showList(body);
          })
          .catch(function (error) {
            if (error && error.name === "AbortError") return;
            if (more) more.textContent = text.list_failed;
          });
      }, 350);
    }

    // --- The listings the map shows in view, each counted once ---------------------------
    var total = document.querySelector("[data-map-total]");

    /* The sum of the numbers drawn in view: the features of the tiles of the current zoom
     * whose point is inside the view, each cell key and listing id once (a tile carries its
     * neighbours' features near its edge, and world copies repeat the same features). */
    function totalInView() {
      if (!grid || !grid._vectorTiles) return null;
      var zoom = map.getZoom();
      var view = map.getPixelBounds();
      var seen = {};
      var sum = 0;
      Object.keys(grid._vectorTiles).forEach(function (tileKey) {
        var renderer = grid._vectorTiles[tileKey];
        var coords = renderer.getCoord();
        if (coords.z !== zoom) return;
        var origin = coords.scaleBy(grid.getTileSize());
        var features = renderer._features || {};
        Object.keys(features).forEach(function (id) {
          var layer = features[id].feature;
          if (seen[id] || !layer || !layer._point) return;
          if (!view.contains(origin.add(layer._point))) return;
          seen[id] = true;
          var properties = layer.properties || {};
          if (properties.slug !== undefined) {
            sum += visible[String(properties.kind || "")] ? 1 : 0;
          } else {
            sum += cellCount(properties).total;
          }
        });
      });
      return sum;
    }

    function showTotal() {
      if (!total) return;
      var sum = totalInView();
      total.textContent =
        sum === null ? "" : format(total.getAttribute("data-map-total"), numbers.format(sum));
    }
    box.tejidoTotal = totalInView; // for the browser tests

    map.on("moveend", refreshList);
    map.on("moveend", showTotal);
    refreshList();
    box.classList.add("is-ready");
    box.tejidoMap = map; // for the browser tests
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
