"""Names compared by their distinctive words (DESIGN.md §9, duplicates): `tejido_name_core`
lower-cases, removes accents and drops the words every other name has (legal forms, "co-
operative", "society", "community", articles and connectors in es, pt, fr and en), so that
"Miller Walk Housing Co-operative Limited" no longer looks like "Allnutt Mill Housing
Co-operative Limited". The list is `directory.duplicates.GENERIC_WORDS`, frozen here; a test
checks that both give the same core."""

from django.db import migrations

#: directory.duplicates.GENERIC_WORDS when this migration was written.
GENERIC_WORDS = (
    "a ac an and asociacion asociaciones association associations associacao associacoes au "
    "aux co communautaire communautaires community company comunitaria comunitarias "
    "comunitario comunitarios coop cooperatif cooperative cooperatives cooperativa "
    "cooperativas cooperativo cooperativos coops corp corporation cic cio da das de del des "
    "do dos du e el em en et for in inc incorporated la las lda le les llc los ltd ltda limited "
    "na no npo of ong op operative operatives para plc por pour sa sarl sas scic scop "
    "sociedad sociedade societe societies society the y"
).split()

FORWARD = rf"""
CREATE FUNCTION tejido_name_core(name text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
  SELECT coalesce(
    nullif(btrim(regexp_replace(
      regexp_replace(f, '\m(?:{"|".join(GENERIC_WORDS)})\M', ' ', 'g'), '\s+', ' ', 'g')), ''),
    btrim(regexp_replace(f, '\s+', ' ', 'g')))
  FROM (SELECT regexp_replace(lower(tejido_unaccent(name)), '[^[:alnum:]]+', ' ', 'g') AS f) s
$$;
"""
BACKWARD = "DROP FUNCTION IF EXISTS tejido_name_core(text);"


class Migration(migrations.Migration):
    dependencies = [("directory", "0017_listing_merge")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
