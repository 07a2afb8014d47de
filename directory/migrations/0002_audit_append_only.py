"""The audit log is append-only: PostgreSQL refuses UPDATE and DELETE on its rows."""

from django.db import migrations

FORWARD = """
CREATE FUNCTION directory_auditevent_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER directory_auditevent_append_only
    BEFORE UPDATE OR DELETE ON directory_auditevent
    FOR EACH ROW EXECUTE FUNCTION directory_auditevent_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS directory_auditevent_append_only ON directory_auditevent;
DROP FUNCTION IF EXISTS directory_auditevent_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
