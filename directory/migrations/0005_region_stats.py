"""Pre-aggregated region statistics (DESIGN.md §7: region stats <= 20 ms).

One materialized view holds, per region, public listings by kind and by category (a
category counts the listings of its sub-categories too) and current needs by kind. It is
refreshed concurrently by `directory.stats.refresh` (on commit of a change in development,
by `manage.py refresh_region_stats` from cron in production).
"""

from django.db import migrations

FORWARD = """
CREATE MATERIALIZED VIEW directory_region_stats AS
WITH public_listing AS (
    SELECT id, kind FROM directory_listing
    WHERE status = 'published' AND emergency_hidden_at IS NULL AND NOT hidden_by_reports
)
SELECT lr.region_id, 'kind'::text AS dimension, l.kind::text AS key, count(*)::int AS n
FROM directory_listing_regions lr JOIN public_listing l ON l.id = lr.listing_id
GROUP BY lr.region_id, l.kind
UNION ALL
SELECT lr.region_id, 'category', a.slug::text, count(DISTINCT l.id)::int
FROM directory_listing_regions lr
JOIN public_listing l ON l.id = lr.listing_id
JOIN directory_listing_categories lc ON lc.listing_id = l.id
JOIN directory_category c ON c.id = lc.category_id
JOIN directory_category a ON c.path LIKE a.path || '%%'
GROUP BY lr.region_id, a.slug
UNION ALL
SELECT lr.region_id, 'need_kind', n.kind::text, count(*)::int
FROM directory_listing_regions lr
JOIN public_listing l ON l.id = lr.listing_id
JOIN directory_need n ON n.listing_id = l.id
WHERE n.status = 'open' AND (n.ends_on IS NULL OR n.ends_on >= CURRENT_DATE)
GROUP BY lr.region_id, n.kind;

CREATE UNIQUE INDEX directory_region_stats_key ON directory_region_stats (region_id, dimension, key);

CREATE TABLE directory_region_stats_state (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    dirty boolean NOT NULL DEFAULT false,
    refreshed_at timestamptz
);
INSERT INTO directory_region_stats_state (id, dirty, refreshed_at) VALUES (true, false, now());
"""

BACKWARD = """
DROP TABLE IF EXISTS directory_region_stats_state;
DROP MATERIALIZED VIEW IF EXISTS directory_region_stats;
"""


class Migration(migrations.Migration):
    dependencies = [("directory", "0004_need_search")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
