-- vectorext.index_check on healthy ivfflat and ivf indexes: every quantizer and operator class, empty and untyped
-- indexes, partial and expression indexes, UNLOGGED, after updates, deletes and VACUUM, with and without
-- heapallindexed; the errors of the entry point (not an index, another access method, no SELECT on the table).
-- Damaged indexes (XX002): test/t/027_ivf_index_check.pl.
SET client_min_messages = warning;
CREATE TABLE ic (id int PRIMARY KEY, k int, v vector(8));
INSERT INTO ic SELECT i, i % 3, (SELECT array_agg(sin(i * 12.9898 + j * 78.233)) FROM generate_series(1, 8) j)::real[]::vector
  FROM generate_series(1, 3000) i;
INSERT INTO ic VALUES (0, 0, NULL), (-1, 0, '[0,0,0,0,0,0,0,0]');  -- a NULL and a zero vector (not indexed under cosine)
CREATE INDEX ic_flat_l2 ON ic USING ivfflat (v vector_l2_ops) WITH (lists = 10);
CREATE INDEX ic_flat_cos ON ic USING ivfflat (v vector_cosine_ops) WITH (lists = 10);
CREATE INDEX ic_flat_ip ON ic USING ivf (v vector_ip_ops) WITH (lists = 10, quantizer = 'flat');
CREATE INDEX ic_sq8 ON ic USING ivf (v vector_cosine_ops) WITH (lists = 10, quantizer = 'sq8');
CREATE INDEX ic_pq ON ic USING ivf (v vector_l2_ops) WITH (lists = 10, quantizer = 'pq', pq_m = 4);
CREATE INDEX ic_part ON ic USING ivf (v vector_l2_ops) WITH (lists = 4) WHERE k = 1;
CREATE INDEX ic_expr ON ic USING ivfflat ((v::vector(8)) vector_l2_ops) WITH (lists = 4);
CREATE FUNCTION ic_all(hai boolean) RETURNS TABLE (index text, method text, entries bigint, live bigint, heap_rows bigint)
LANGUAGE sql AS $$
  SELECT c.relname::text, r.method, r.entries, r.live, r.heap_rows
  FROM pg_class c, vectorext.index_check(c.oid, hai) r
  WHERE c.relname LIKE 'ic\_%' AND c.relkind = 'i' AND c.relam <> (SELECT oid FROM pg_am WHERE amname = 'btree')
  ORDER BY 1 $$;
SELECT * FROM ic_all(true);
SELECT index, heap_rows IS NULL AS not_checked FROM ic_all(false);
-- updates (new TIDs; HOT updates keep theirs), deletes, VACUUM, inserts into freed space
UPDATE ic SET v = v + '[1,1,1,1,1,1,1,1]' WHERE id % 10 = 0;
UPDATE ic SET k = k WHERE id % 10 = 1;
DELETE FROM ic WHERE id % 4 = 0;
SELECT index, entries > heap_rows AS dead_entries_remain, heap_rows FROM ic_all(true);
VACUUM ic;
INSERT INTO ic SELECT i, i % 3, (SELECT array_agg(cos(i * 12.9898 + j * 78.233)) FROM generate_series(1, 8) j)::real[]::vector
  FROM generate_series(5001, 5500) i;
SELECT * FROM ic_all(true);
SELECT count(*) FILTER (WHERE v IS NOT NULL) AS non_null, count(*) FILTER (WHERE v IS NOT NULL AND k = 1) AS partial FROM ic;
-- a pages count: the meta, model and posting pages read
SELECT pages = pg_relation_size('ic_flat_l2') / current_setting('block_size')::int AS every_page_read
  FROM vectorext.index_check('ic_flat_l2');
DROP FUNCTION ic_all(boolean);

-- empty, untrained, untyped and UNLOGGED indexes
CREATE TABLE ic_empty (v vector(3));
CREATE INDEX ic_empty_idx ON ic_empty USING ivfflat (v) WITH (lists = 5);
SELECT method, pages, entries, heap_rows FROM vectorext.index_check('ic_empty_idx', true);
INSERT INTO ic_empty VALUES ('[1,2,3]'), ('[4,5,6]');
SELECT entries, heap_rows FROM vectorext.index_check('ic_empty_idx', true);
CREATE TABLE ic_untyped (v vector);
CREATE INDEX ic_untyped_idx ON ic_untyped USING ivf (v) WITH (quantizer = 'pq');
SELECT entries, heap_rows FROM vectorext.index_check('ic_untyped_idx', true);
INSERT INTO ic_untyped VALUES ('[1,2]'), ('[3,4]');
SELECT entries, heap_rows FROM vectorext.index_check('ic_untyped_idx', true);
CREATE UNLOGGED TABLE ic_unlogged (v vector(2));
INSERT INTO ic_unlogged SELECT ARRAY[i, i % 7]::real[]::vector FROM generate_series(1, 500) i;
CREATE INDEX ic_unlogged_idx ON ic_unlogged USING ivf (v) WITH (lists = 5, quantizer = 'sq8');
SELECT entries, heap_rows FROM vectorext.index_check('ic_unlogged_idx', true);
DROP TABLE ic_empty, ic_untyped, ic_unlogged;

-- errors of the entry point
\set VERBOSITY sqlstate
SELECT * FROM vectorext.index_check('ic');
SELECT * FROM vectorext.index_check('ic_pkey');
SELECT * FROM vectorext.index_check(0);
\set VERBOSITY default
SELECT * FROM vectorext.index_check('ic');
SELECT * FROM vectorext.index_check('ic_pkey');
-- reading an index is reading its table: SELECT on the table is required
CREATE ROLE ic_reader;
GRANT USAGE ON SCHEMA vectorext TO ic_reader;
SET ROLE ic_reader;
\set VERBOSITY sqlstate
SELECT * FROM vectorext.index_check('ic_flat_l2');
\set VERBOSITY default
RESET ROLE;
GRANT SELECT ON ic TO ic_reader;
SET ROLE ic_reader;
SELECT method, entries FROM vectorext.index_check('ic_flat_l2', true);
RESET ROLE;
DROP TABLE ic;
REVOKE USAGE ON SCHEMA vectorext FROM ic_reader;
DROP ROLE ic_reader;
