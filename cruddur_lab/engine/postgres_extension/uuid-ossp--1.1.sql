-- cruddur-lab: the part of contrib's uuid-ossp that the bootcamp's schema.sql uses
-- (uuid_generate_v4) plus its constants, written in SQL on PostgreSQL's built-in
-- gen_random_uuid() (a version-4 uuid from a strong random source, PostgreSQL 13+).
-- uuid_generate_v1, v1mc, v3 and v5 are left out: nothing in the bootcamp calls them, and a
-- call fails with "function ... does not exist" rather than returning something different.

\echo Use "CREATE EXTENSION ""uuid-ossp""" to load this file. \quit

CREATE FUNCTION uuid_generate_v4() RETURNS uuid
    AS 'SELECT pg_catalog.gen_random_uuid()'
    LANGUAGE SQL VOLATILE PARALLEL SAFE;

-- The nil uuid and RFC 4122's namespaces: constants, one line each.
CREATE FUNCTION uuid_nil() RETURNS uuid LANGUAGE SQL IMMUTABLE PARALLEL SAFE AS $$SELECT '00000000-0000-0000-0000-000000000000'::uuid$$;
CREATE FUNCTION uuid_ns_dns() RETURNS uuid LANGUAGE SQL IMMUTABLE PARALLEL SAFE AS $$SELECT '6ba7b810-9dad-11d1-80b4-00c04fd430c8'::uuid$$;
CREATE FUNCTION uuid_ns_url() RETURNS uuid LANGUAGE SQL IMMUTABLE PARALLEL SAFE AS $$SELECT '6ba7b811-9dad-11d1-80b4-00c04fd430c8'::uuid$$;
CREATE FUNCTION uuid_ns_oid() RETURNS uuid LANGUAGE SQL IMMUTABLE PARALLEL SAFE AS $$SELECT '6ba7b812-9dad-11d1-80b4-00c04fd430c8'::uuid$$;
CREATE FUNCTION uuid_ns_x500() RETURNS uuid LANGUAGE SQL IMMUTABLE PARALLEL SAFE AS $$SELECT '6ba7b814-9dad-11d1-80b4-00c04fd430c8'::uuid$$;
