-- The filter directory of an hnsw index with filter columns (src/pg/hnsw/hnsw_filter_dir.h): a selective filter
-- (here 1% and 0.1% of 10,000 rows) is answered by reading the packed filter values of the directory pages and then
-- only the matching elements' records, instead of every record page. Its answer is exact, so every query's rows, in
-- order, must be the exact scan's (ORDER BY distance + 0: no index) over the matching rows: for an index built by
-- CREATE INDEX and one filled by INSERT, after deletes + VACUUM and re-inserts into the recycled ids (whose directory
-- entries get their new values), with NULL values, several filter columns of each integer type, = ANY and ranges.
-- A missing entry (an insert that did not write it, a recycled id whose entry kept the old values) loses rows; the
-- DEBUG1 line of the scan says the directory was read (pages, entries, candidates, matching elements).
SET client_min_messages = warning;
SET max_parallel_maintenance_workers = 0;  -- one build thread: the same graph in every run
SELECT setseed(0.47);
-- c: 2 = ~1%, 3 = ~0.1% of the rows (by a hash of the row id: independent of c2, c8 and of the deletes below), NULL
-- every 89th of the others, else 10 .. 59; c8 = c * 1000 + i % 7; c2 = (i / 7) % 50
CREATE FUNCTION hfd_cat(i int) RETURNS int4 LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN abs(hashint4(i)) % 1000 = 7 THEN 3 WHEN abs(hashint4(i)) % 1000 BETWEEN 100 AND 109 THEN 2
              WHEN i % 89 = 0 THEN NULL ELSE 10 + i % 50 END $$;
CREATE TABLE hfd (i int4 PRIMARY KEY, c int4, c8 int8, c2 int2, v vector(8));
INSERT INTO hfd (i, c, c8, c2, v)
  SELECT i, hfd_cat(i), hfd_cat(i) * 1000 + i % 7, ((i / 7) % 50)::int2,
         ARRAY(SELECT random() - 0.5 + 0 * i FROM generate_series(1, 8))::vector(8)
  FROM generate_series(1, 10000) i;
SELECT count(*) FILTER (WHERE c = 2) AS c2_rows, count(*) FILTER (WHERE c = 3) AS c3_rows,
       count(*) FILTER (WHERE c IS NULL) AS null_rows FROM hfd;
CREATE TABLE hfd_q AS
  SELECT q, ARRAY(SELECT random() - 0.5 + 0 * q FROM generate_series(1, 8))::vector(8) AS v
  FROM generate_series(1, 8) q;
ANALYZE hfd;

-- Per condition over the 8 queries: how many got exactly the exact answer (ids in order), and the rows returned.
CREATE FUNCTION hfd_same(p_tab text, p_cond text, p_op text, p_k int DEFAULT 10)
RETURNS TABLE (cond text, same bigint, queries bigint, rows bigint) LANGUAGE plpgsql AS $$
BEGIN
  SET LOCAL enable_seqscan = off;
  RETURN QUERY EXECUTE format($q$
    SELECT %2$L::text, count(*) FILTER (WHERE a IS NOT DISTINCT FROM e), count(*), sum(coalesce(cardinality(a), 0))
    FROM (SELECT (SELECT array_agg(i) FROM (SELECT i FROM %1$I WHERE %2$s ORDER BY v %3$s q.v LIMIT %4$s) s) AS a,
                 (SELECT array_agg(i) FROM (SELECT i FROM %1$I WHERE %2$s ORDER BY (v %3$s q.v) + 0 LIMIT %4$s) s) AS e
          FROM hfd_q q) x $q$, p_tab, p_cond, p_op, p_k);
END $$;
-- The scan's DEBUG1 line for one query (which path read the filter values).
CREATE FUNCTION hfd_path(p_tab text, p_cond text, p_op text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
  SET LOCAL enable_seqscan = off;
  SET LOCAL client_min_messages = debug1;
  EXECUTE format('SELECT count(*) FROM (SELECT i FROM %1$I WHERE %2$s ORDER BY v %3$s (SELECT v FROM hfd_q WHERE q = 1)
                  LIMIT 10) s', p_tab, p_cond, p_op) INTO n;
  RETURN n;
END $$;

-- CREATE INDEX (cosine, three filter columns: an entry of 20 bytes, 408 a page: 25 pages for 10,000 elements)
CREATE INDEX hfd_built ON hfd USING hnsw (v vector_cosine_ops, c, c8, c2);
SELECT hfd_path('hfd', 'c = 2', '<=>');
SELECT hfd_path('hfd', 'c = 3', '<=>');
SELECT r.* FROM unnest(ARRAY['c = 2', 'c = 3', 'c = ANY (ARRAY[2, 3])', 'c = ANY (ARRAY[3, NULL])',
  'c = 2 AND c2 < 25', 'c8 = ANY (ARRAY[2001, 3002]::int8[])', 'c8 >= 2000 AND c8 < 2003', 'c2 = 7 AND c < 12',
  'c = 4']) cond, LATERAL hfd_same('hfd', cond, '<=>') r;
SELECT hfd_path('hfd', 'c = 4', '<=>');  -- no row has c = 4: nothing read but the directory
-- k beyond the matching rows: all of them, no other
SELECT * FROM hfd_same('hfd', 'c = 3', '<=>', 20);
SELECT * FROM vectorext.index_check('hfd_built', true);

-- The same rows through INSERT into an index created first (the directory of each segment written entry by entry)
CREATE TABLE hfd2 (LIKE hfd);
ALTER TABLE hfd2 ADD PRIMARY KEY (i);
CREATE INDEX hfd2_ins ON hfd2 USING hnsw (v vector_l2_ops, c, c2);
INSERT INTO hfd2 SELECT * FROM hfd ORDER BY i;
ANALYZE hfd2;
SELECT hfd_path('hfd2', 'c = 2', '<->');
SELECT hfd_path('hfd2', 'c = 3', '<->');
SELECT r.* FROM unnest(ARRAY['c = 2', 'c = 3', 'c = ANY (ARRAY[2, 3])', 'c = 2 AND c2 < 25', 'c2 = 7 AND c < 12'])
  cond, LATERAL hfd_same('hfd2', cond, '<->') r;
SELECT * FROM vectorext.index_check('hfd2_ins', true);

-- Deletes + VACUUM: a fifth of the rows go (half of each category among them), their ids are recycled by the rows
-- inserted next, which take other categories than the rows they replace: a recycled id's entry must carry its new
-- values (a stale one would lose those rows, or return the old row's category).
DELETE FROM hfd2 WHERE hashint4(i + 1) % 5 = 0;
VACUUM hfd2;
SELECT hfd_path('hfd2', 'c = 2', '<->');  -- the deleted elements' entries are candidates, their records say dead
INSERT INTO hfd2 (i, c, c8, c2, v)
  SELECT i, CASE WHEN i % 20 = 0 THEN 2 WHEN i % 200 = 1 THEN 3 ELSE 10 + i % 50 END,
         (CASE WHEN i % 20 = 0 THEN 2 WHEN i % 200 = 1 THEN 3 ELSE 10 + i % 50 END) * 1000 + i % 7, ((i / 7) % 50)::int2,
         ARRAY(SELECT random() - 0.5 + 0 * i FROM generate_series(1, 8))::vector(8)
  FROM generate_series(10001, 12000) i;
SELECT count(*) AS rows, count(*) FILTER (WHERE c = 2) AS c2_rows, count(*) FILTER (WHERE c = 3) AS c3_rows FROM hfd2;
SELECT hfd_path('hfd2', 'c = 2', '<->');
SELECT r.* FROM unnest(ARRAY['c = 2', 'c = 3', 'c = ANY (ARRAY[2, 3])', 'c = 2 AND c2 >= 20']) cond,
  LATERAL hfd_same('hfd2', cond, '<->') r;
-- an UPDATE of the filter column: a new element with the new value, the old one dead until the next VACUUM
UPDATE hfd2 SET c = 3 WHERE i % 1000 = 11;
SELECT * FROM hfd_same('hfd2', 'c = 3', '<->', 40);
VACUUM hfd2;
SELECT * FROM hfd_same('hfd2', 'c = 3', '<->', 40);
SELECT * FROM vectorext.index_check('hfd2_ins', true);

-- Records wider than a page (halfvec of 4,100 dims: 8,264-byte records packed across pages), each directory before
-- them: built, then filled further by INSERT (new segments), one bigint filter column
CREATE TABLE hfd_wide (i int4 PRIMARY KEY, c int8, v halfvec(4100));
INSERT INTO hfd_wide SELECT i, i % 20, ARRAY(SELECT sin(i * d) FROM generate_series(1, 4100) d)::halfvec
  FROM generate_series(1, 300) i;
CREATE INDEX hfd_wide_idx ON hfd_wide USING hnsw (v halfvec_l2_ops, c) WITH (m = 4);
INSERT INTO hfd_wide SELECT i, i % 20, ARRAY(SELECT sin(i * d) FROM generate_series(1, 4100) d)::halfvec
  FROM generate_series(301, 500) i;
SET enable_seqscan = off;
SET client_min_messages = debug1;
SELECT (SELECT array_agg(i) FROM (SELECT i FROM hfd_wide WHERE c = 7 ORDER BY v <-> (SELECT v FROM hfd_wide WHERE i = 1)
          LIMIT 30) a) =
       (SELECT array_agg(i) FROM (SELECT i FROM hfd_wide WHERE c = 7 ORDER BY (v <-> (SELECT v FROM hfd_wide WHERE i = 1)) + 0
          LIMIT 30) e) AS same_as_exact;
SET client_min_messages = warning;
RESET enable_seqscan;
SELECT * FROM vectorext.index_check('hfd_wide_idx', true);
DROP TABLE hfd_wide;

DROP TABLE hfd, hfd2, hfd_q;
DROP FUNCTION hfd_same, hfd_path, hfd_cat;
RESET max_parallel_maintenance_workers;
