-- The backend-local cache of IVF models (src/pg/backend_cache.h): at most 16 unpinned models in the memory context
-- "vectorext ivf models" (one child context per index, named after it), every entry keyed by relfilenode and build id.
-- A query that runs more IVF scans at once than the cache holds keeps every model it uses (pinned by its scans) and
-- returns the exact answers; a rebuilt index is never served from its old entry.
DO $$
BEGIN
  FOR t IN 1..20 LOOP
    EXECUTE format('CREATE TABLE imc_%s (id int, v vector(4))', t);
    EXECUTE format('INSERT INTO imc_%s SELECT i, ARRAY[(i * %s) %% 17, (i * 7) %% 13, i %% 5, %s]::vector
                    FROM generate_series(1, 200) i', t, t, t);
    EXECUTE format('CREATE INDEX imc_%s_idx ON imc_%s USING ivfflat (v) WITH (lists = 4)', t, t);
  END LOOP;
END $$;
SET enable_seqscan = off;
SET ivfflat.probes = 4;  -- every list: exact answers

-- one query, 20 index scans running at once (each pins its model until the query ends)
CREATE FUNCTION pg_temp.nearest(via_index boolean) RETURNS text LANGUAGE plpgsql AS $$
DECLARE q text := ''; r text;
BEGIN
  FOR t IN 1..20 LOOP
    q := q || CASE WHEN t > 1 THEN ' UNION ALL ' ELSE '' END ||
         format('(SELECT %s AS t, id FROM imc_%s ORDER BY v <-> ''[3,4,2,%s]''%s LIMIT 3)', t, t, t,
                CASE WHEN via_index THEN '' ELSE ', id' END);
  END LOOP;
  IF NOT via_index THEN SET LOCAL enable_indexscan = off; SET LOCAL enable_seqscan = on; END IF;
  EXECUTE 'SELECT string_agg(t || '':'' || id, '' '' ORDER BY t, id) FROM (' || q || ') s' INTO r;
  RETURN r;
END $$;
SELECT pg_temp.nearest(true) = pg_temp.nearest(false) AS all_exact;
SELECT count(*) <= 16 AS bounded, count(*) > 0 AS used
FROM pg_backend_memory_contexts WHERE parent = 'vectorext ivf models';

-- a rebuilt index gets a new build id: its old entry is never used again
REINDEX INDEX imc_1_idx;
SELECT id FROM imc_1 ORDER BY v <-> '[3,4,2,1]' LIMIT 3;
SELECT count(*) FILTER (WHERE ident = 'imc_1_idx') >= 1 AS cached_again
FROM pg_backend_memory_contexts WHERE parent = 'vectorext ivf models';

RESET enable_seqscan;
RESET ivfflat.probes;
DO $$ BEGIN FOR t IN 1..20 LOOP EXECUTE format('DROP TABLE imc_%s', t); END LOOP; END $$;
