-- @EXTENSION@ extension script. Built by the Makefile from sql/parts/*.sql in name order, once for each name vectorext
-- installs under (@EXTENSION@ and @OTHER_EXTENSION@ filled in: see "PGVECTOR_NAME" in the Makefile); edit the parts.
\echo Use "CREATE EXTENSION @EXTENSION@" to load this file. \quit

-- vectorext installs under its own name and, with `make install PGVECTOR_NAME=1`, under pgvector's (`vector`). Both,
-- like pgvector itself, define the types, operators and access methods `vector`, `<->`, `hnsw`, ...: a database holds
-- at most one of them. Said here, before any of them clashes with a less telling "type vector already exists".
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = '@OTHER_EXTENSION@') THEN
    RAISE EXCEPTION 'extension "@EXTENSION@" cannot be created in a database that has extension "@OTHER_EXTENSION@"'
      USING ERRCODE = 'duplicate_object',
            DETAIL = 'vectorext, vectorext installed as "vector", and pgvector define the same types, operators and '
                     'access methods; a database can have only one of them.',
            HINT = 'Use the extension this database already has. To move a pgvector database to vectorext, see '
                   '"Migrating from pgvector" in vectorext''s docs/clients.md.';
  END IF;
END
$$;
