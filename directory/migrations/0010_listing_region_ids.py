"""`directory_listing.region_ids`: the ids of a listing's regions, kept by PostgreSQL.

Filtering by region through the membership table goes row by row, and cannot be combined
with another index: full text in a state read every listing with the word (865 ms at p95
on 1M listings). The array is indexed by GIN together with the search document, so one
index scan intersects a region with words (a frequent word in a large state: 12 ms,
against 44 ms for two indexes ANDed as bitmaps); the index serves the region alone too.

Triggers on directory_listing_regions keep the array equal to the memberships, whoever
writes them (Django's `regions.set()`, the admin, bulk loads). Django never reads or writes
the column (it is not a model field), so a stale instance cannot overwrite it; filters use
it through `directory.selectors`.
"""

from django.db import migrations

FORWARD = """
ALTER TABLE directory_listing ADD COLUMN region_ids bigint[] NOT NULL DEFAULT '{}';
UPDATE directory_listing l SET region_ids = m.ids
  FROM (SELECT listing_id, array_agg(region_id ORDER BY region_id) AS ids
          FROM directory_listing_regions GROUP BY listing_id) m
 WHERE m.listing_id = l.id;
CREATE INDEX listing_region_search_gin ON directory_listing USING gin (region_ids, search_document);

CREATE FUNCTION directory_listing_region_ids() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE directory_listing l
     SET region_ids = ARRAY(SELECT lr.region_id FROM directory_listing_regions lr
                             WHERE lr.listing_id = l.id ORDER BY 1)
   WHERE l.id IN (SELECT listing_id FROM changed);
  RETURN NULL;
END
$$;
CREATE TRIGGER listing_regions_inserted AFTER INSERT ON directory_listing_regions
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT
  EXECUTE FUNCTION directory_listing_region_ids();
CREATE TRIGGER listing_regions_deleted AFTER DELETE ON directory_listing_regions
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT
  EXECUTE FUNCTION directory_listing_region_ids();
CREATE TRIGGER listing_regions_updated_from AFTER UPDATE ON directory_listing_regions
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT
  EXECUTE FUNCTION directory_listing_region_ids();
CREATE TRIGGER listing_regions_updated_to AFTER UPDATE ON directory_listing_regions
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT
  EXECUTE FUNCTION directory_listing_region_ids();
"""

BACKWARD = """
DROP TRIGGER listing_regions_inserted ON directory_listing_regions;
DROP TRIGGER listing_regions_deleted ON directory_listing_regions;
DROP TRIGGER listing_regions_updated_from ON directory_listing_regions;
DROP TRIGGER listing_regions_updated_to ON directory_listing_regions;
DROP FUNCTION directory_listing_region_ids();
ALTER TABLE directory_listing DROP COLUMN region_ids;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0009_drop_status_kind_index"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
