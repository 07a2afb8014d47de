"""OGC API - Features (Part 1: core, GeoJSON, HTML, OpenAPI 3.0) at /ogc/, so that QGIS
and GDAL's OAPIF driver read Tejido's public listings, needs and regions directly."""
