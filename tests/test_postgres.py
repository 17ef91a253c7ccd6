"""The embedded PostgreSQL accepts the bootcamp's schema.sql as written."""

from __future__ import annotations

import uuid


def test_the_bootcamps_uuid_ossp_extension_loads_and_generates_v4_uuids(lab):
    """schema.sql starts with CREATE EXTENSION "uuid-ossp" and defaults uuids to
    uuid_generate_v4(); the wheel's server ships no contrib, so we provide the extension."""
    pg = lab.pg
    pg.execute('CREATE EXTENSION IF NOT EXISTS "uuid-ossp"')
    pg.execute('CREATE EXTENSION IF NOT EXISTS "uuid-ossp"')  # the script runs again: no-op
    pg.execute(
        "CREATE TABLE public.probe (uuid UUID DEFAULT uuid_generate_v4() PRIMARY KEY, x text)"
    )
    pg.execute("INSERT INTO public.probe (x) VALUES ('a'), ('b')")
    made = [row[0] for row in pg.execute("SELECT uuid FROM public.probe")]
    assert len(set(made)) == 2
    assert all(isinstance(value, uuid.UUID) and value.version == 4 for value in made)
    assert pg.execute("SELECT uuid_nil(), uuid_ns_dns()").fetchone() == (
        uuid.UUID(int=0),
        uuid.NAMESPACE_DNS,
    )
