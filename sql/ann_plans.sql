-- Plan shapes the cost model (src/core/ann_cost.h) must lead to, for hnsw, ivfflat and ivf: the index for
-- ORDER BY distance LIMIT k, and for filters that keep most rows; a sequential scan + sort for a selective filter
-- over an hnsw index (the walk to fill the LIMIT is long; iterative scans are off by default), without LIMIT, or
-- without ORDER BY; a partial index whose predicate matches the query rather than a bitmap scan + sort; the same
-- choices as pgvector 0.8.6 on the same data (its TAP tests 009, 017, 039 and 040) except where a filter rejects
-- many rows of this small table: each rejected row is a heap visit (core/ann_cost.h), so the distance-range filter
-- below (estimated to keep a third) and ivfflat under c = 7 (2%) get a sequential scan + sort of its 64 pages, where
-- pgvector keeps the index (sql/ann_filter_plan.sql has the measured crossover's ends on bigger tables).
SET client_min_messages = warning;
CREATE TABLE apl (i int4, v vector(3), c int4, t text);
INSERT INTO apl SELECT i, ARRAY[abs(sin(i * 12.9898)), abs(sin(i * 78.233)), abs(sin(i * 37.719))]::real[]::vector,
                       i % 50, 'test ' || i
  FROM generate_series(1, 10000) i;
CREATE TABLE apl_cat (i int4 PRIMARY KEY, t text, b boolean);
INSERT INTO apl_cat SELECT i, 'cat ' || i, i % 5 = 0 FROM generate_series(1, 50) i;
ANALYZE apl, apl_cat;

-- hnsw
CREATE INDEX apl_hnsw ON apl USING hnsw (v vector_l2_ops);
EXPLAIN (COSTS OFF) SELECT i FROM apl ORDER BY v <-> '[0.3,0.6,0.2]' LIMIT 20;
EXPLAIN (COSTS OFF) SELECT i FROM apl WHERE c != 7 ORDER BY v <-> '[0.3,0.6,0.2]' LIMIT 20;
EXPLAIN (COSTS OFF) SELECT i FROM apl WHERE t LIKE '%test%' ORDER BY v <-> '[0.3,0.6,0.2]' LIMIT 20;
EXPLAIN (COSTS OFF) SELECT i FROM apl WHERE v <-> '[0.3,0.6,0.2]' < 1 ORDER BY v <-> '[0.3,0.6,0.2]' LIMIT 20;
EXPLAIN (COSTS OFF) SELECT apl_cat.t FROM apl_cat JOIN apl ON apl_cat.i = apl.c WHERE apl_cat.b
  ORDER BY v <-> '[0.3,0.6,0.2]' LIMIT 20;
-- selective filters, no LIMIT, no ORDER BY: not the index
EXPLAIN (COSTS OFF) SELECT i FROM apl WHERE c = 7 ORDER BY v <-> '[0.3,0.6,0.2]' LIMIT 20;
EXPLAIN (COSTS OFF) SELECT i FROM apl WHERE t LIKE '%other%' ORDER BY v <-> '[0.3,0.6,0.2]' LIMIT 20;
EXPLAIN (COSTS OFF) SELECT i FROM apl WHERE v <-> '[0.3,0.6,0.2]' < 1 ORDER BY v <-> '[0.3,0.6,0.2]';
EXPLAIN (COSTS OFF) SELECT i FROM apl WHERE v <-> '[0.3,0.6,0.2]' < 1;
-- an index on the filter column wins for a selective filter; a partial hnsw index on exactly that filter wins more
CREATE INDEX apl_c ON apl (c);
EXPLAIN (COSTS OFF) SELECT i FROM apl WHERE c = 7 ORDER BY v <-> '[0.3,0.6,0.2]' LIMIT 20;
CREATE INDEX apl_hnsw_part ON apl USING hnsw (v vector_l2_ops) WHERE c = 7;
EXPLAIN (COSTS OFF) SELECT i FROM apl WHERE c = 7 ORDER BY v <-> '[0.3,0.6,0.2]' LIMIT 20;
-- more ef_search, a costlier search: the partial index still wins, and hnsw.ef_search moves the estimate
SET hnsw.ef_search = 400;
EXPLAIN (COSTS OFF) SELECT i FROM apl WHERE c = 7 ORDER BY v <-> '[0.3,0.6,0.2]' LIMIT 20;
CREATE FUNCTION apl_startup(q text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE plan json;
BEGIN
  EXECUTE 'EXPLAIN (FORMAT JSON) ' || q INTO plan;
  RETURN (plan->0->'Plan'->'Plans'->0->>'Startup Cost')::float8;
END $$;
SELECT apl_startup('SELECT i FROM apl ORDER BY v <-> ''[0.3,0.6,0.2]'' LIMIT 20') AS startup_ef400 \gset
RESET hnsw.ef_search;
SELECT apl_startup('SELECT i FROM apl ORDER BY v <-> ''[0.3,0.6,0.2]'' LIMIT 20') < :startup_ef400 AS ef_search_costs;
DROP INDEX apl_hnsw, apl_hnsw_part, apl_c;

-- ivfflat (pgvector keeps the index under c = 7; we price the 98% of rows the filter rejects: see the top)
CREATE INDEX apl_ivfflat ON apl USING ivfflat (v vector_l2_ops) WITH (lists = 100);
EXPLAIN (COSTS OFF) SELECT i FROM apl ORDER BY v <-> '[0.3,0.6,0.2]' LIMIT 20;
EXPLAIN (COSTS OFF) SELECT i FROM apl WHERE c != 7 ORDER BY v <-> '[0.3,0.6,0.2]' LIMIT 20;
EXPLAIN (COSTS OFF) SELECT i FROM apl WHERE c = 7 ORDER BY v <-> '[0.3,0.6,0.2]' LIMIT 20;
EXPLAIN (COSTS OFF) SELECT i FROM apl WHERE t LIKE '%other%' ORDER BY v <-> '[0.3,0.6,0.2]' LIMIT 20;
EXPLAIN (COSTS OFF) SELECT i FROM apl WHERE v <-> '[0.3,0.6,0.2]' < 1 ORDER BY v <-> '[0.3,0.6,0.2]';
CREATE INDEX apl_ivfflat_part ON apl USING ivfflat (v vector_l2_ops) WITH (lists = 5) WHERE c = 7;
EXPLAIN (COSTS OFF) SELECT i FROM apl WHERE c = 7 ORDER BY v <-> '[0.3,0.6,0.2]' LIMIT 20;
DROP INDEX apl_ivfflat, apl_ivfflat_part;

-- ivf with a lossy quantizer: re-ranking is part of the start-up cost
CREATE INDEX apl_ivf ON apl USING ivf (v vector_l2_ops) WITH (lists = 50, quantizer = 'sq8');
EXPLAIN (COSTS OFF) SELECT i FROM apl ORDER BY v <-> '[0.3,0.6,0.2]' LIMIT 20;
EXPLAIN (COSTS OFF) SELECT i FROM apl WHERE c != 7 ORDER BY v <-> '[0.3,0.6,0.2]' LIMIT 20;
EXPLAIN (COSTS OFF) SELECT i FROM apl WHERE t LIKE '%other%' ORDER BY v <-> '[0.3,0.6,0.2]' LIMIT 20;
CREATE INDEX apl_ivf_part ON apl USING ivf (v vector_l2_ops) WITH (lists = 2, quantizer = 'sq8') WHERE c = 7;
EXPLAIN (COSTS OFF) SELECT i FROM apl WHERE c = 7 ORDER BY v <-> '[0.3,0.6,0.2]' LIMIT 20;
DROP TABLE apl, apl_cat;
DROP FUNCTION apl_startup(text);

-- wider vectors stored in the table (storage main): the index still wins for ORDER BY ... LIMIT
CREATE TABLE apl_wide (i int4, v vector(384));
INSERT INTO apl_wide SELECT i, (SELECT array_agg(abs(sin(i * 12.9898 + j * 78.233))::real) FROM generate_series(1, 384) j)::vector
  FROM generate_series(1, 2000) i;
ANALYZE apl_wide;
CREATE INDEX apl_wide_hnsw ON apl_wide USING hnsw (v vector_l2_ops);
EXPLAIN (COSTS OFF) SELECT i FROM apl_wide ORDER BY v <-> (SELECT v FROM apl_wide WHERE i = 1) LIMIT 10;
DROP INDEX apl_wide_hnsw;
CREATE INDEX apl_wide_ivfflat ON apl_wide USING ivfflat (v vector_l2_ops) WITH (lists = 5);
EXPLAIN (COSTS OFF) SELECT i FROM apl_wide ORDER BY v <-> (SELECT v FROM apl_wide WHERE i = 1) LIMIT 10;
DROP TABLE apl_wide;
