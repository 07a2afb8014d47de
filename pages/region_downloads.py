"""A region page's downloads: its sub-regions' counts or its gaps as CSV (cells a
spreadsheet will not run as formulas) or GeoJSON (`?format=csv|geojson&data=regions|gaps`)."""

import csv
import io
import json

from django.http import HttpResponse
from django.urls import reverse
from django.utils.http import urlencode

from directory.choices import ListingKind


def download(region, form, sub_rows, outlines, gap_rows):
    fmt, data = form.value_of("format"), form.value_of("data") or "regions"
    base = f"tejido-{region.slug}-{data}"
    if data == "gaps":
        columns = ["name", "admin1", "country", "population", "nearest_km", "lat", "lng"]
        records = [{c: row[c] for c in columns} for row in gap_rows]
    else:
        columns = ["slug", "name", "listings", *ListingKind.values, "needs"]
        columns[-1] = "open_needs"
        records = [
            {**{c: row.get(c) for c in columns[:-1]}, "open_needs": row["needs"]}
            for row in sub_rows
        ]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
        writer.writeheader()
        for record in records:
            writer.writerow({k: csv_safe(v) for k, v in record.items()})
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{base}.csv"'
        return response
    features = []
    for record in records:
        if data == "gaps":
            geometry = {"type": "Point", "coordinates": [record["lng"], record["lat"]]}
        else:
            geometry = outlines.get(record["slug"], {}).get("outline")
        features.append({"type": "Feature", "geometry": geometry, "properties": record})
    body = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)
    response = HttpResponse(body, content_type="application/geo+json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{base}.geojson"'
    return response


def csv_safe(value):
    """A cell a spreadsheet will not run as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def download_url(slug: str, query: dict, fmt: str, data: str) -> str:
    return (
        reverse("pages:region", args=[slug])
        + "?"
        + urlencode({**query, "format": fmt, "data": data})
    )
