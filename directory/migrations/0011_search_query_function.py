"""`tejido_tsquery(words)`: the user's words read in every content language, as one
tsquery without repeats.

Reading the words with each language's configuration and OR-ing the five queries repeats
every lexeme that the languages stem alike ('food' | 'food' | 'food' | 'food' | 'food'), and
GIN reads a posting list once per repeat: five times the work for a frequent word. The
function keeps each distinct reading once. It is IMMUTABLE (as websearch_to_tsquery with a
configuration is), so the planner folds it to a constant and the GIN indexes serve it."""

from django.db import migrations

FORWARD = """
CREATE FUNCTION tejido_tsquery(words text) RETURNS tsquery
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT string_agg(DISTINCT '(' || reading::text || ')', ' | ')::tsquery
    FROM (VALUES (websearch_to_tsquery('tejido_simple', words)),
                 (websearch_to_tsquery('tejido_es', words)),
                 (websearch_to_tsquery('tejido_pt', words)),
                 (websearch_to_tsquery('tejido_fr', words)),
                 (websearch_to_tsquery('tejido_en', words))) AS readings(reading)
   WHERE numnode(reading) > 0
$$;
"""

BACKWARD = "DROP FUNCTION tejido_tsquery(text);"


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0010_listing_region_ids"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
