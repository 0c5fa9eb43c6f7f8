-- Reachability as an invariant (issue 10 item 2): after deleting 50%, 90%, 99% and 99.9% of the rows and VACUUM,
-- for a bulk-built and an insert-built graph, under l2 and cosine: vectorext.index_check passes (every live element
-- reachable at level 0 from the entry point, every live row indexed once) and every live row is found by its own
-- vector at the default hnsw.ef_search. Before the fix, 885 of 1,000 live rows were lost at 75%.
SET client_min_messages = warning;
SELECT setseed(0.5);
CREATE TABLE dr_src AS
  SELECT i, ARRAY(SELECT sin((i % 8) * 2.1 + j * 0.7) + 0.6 * random() FROM generate_series(1, 12) j
                  WHERE i > 0)::vector(12) AS v
  FROM generate_series(1, 4000) i;
CREATE TABLE dr (id int PRIMARY KEY, v vector(12)) WITH (autovacuum_enabled = off);
CREATE TABLE dr_result (opclass text, path text, kept_per_mille int, live bigint, missed bigint);
CREATE FUNCTION dr_setup(opclass text, path text, keep_per_mille int) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  DROP INDEX IF EXISTS dr_idx;
  TRUNCATE dr;
  IF path = 'insert' THEN
    EXECUTE format('CREATE INDEX dr_idx ON dr USING hnsw (v %s)', opclass);
    INSERT INTO dr SELECT i, v FROM dr_src;
  ELSE
    INSERT INTO dr SELECT i, v FROM dr_src;
    EXECUTE format('CREATE INDEX dr_idx ON dr USING hnsw (v %s)', opclass);
  END IF;
  -- a hashed spread of ids: neighbours in the graph die together or not
  DELETE FROM dr WHERE (hashint4(id) & 1023) * 1000 >= keep_per_mille * 1024;
END $$;
CREATE FUNCTION dr_check(opclass text, op text, path text, keep_per_mille int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE live bigint; missed bigint;
BEGIN
  SELECT c.live INTO live FROM vectorext.index_check('dr_idx', true) c;
  SET LOCAL enable_seqscan = off;
  EXECUTE format('SELECT count(*) FROM dr q WHERE (SELECT d.id FROM dr d ORDER BY d.v %s q.v LIMIT 1) <> q.id', op)
    INTO missed;
  INSERT INTO dr_result VALUES (opclass, path, keep_per_mille, live, missed);
END $$;
-- per case: build the index and delete (a function), VACUUM (a statement of its own), check (a function)
\o /dev/null
SELECT format('SELECT dr_setup(%L, %L, %s)', o.opclass, p.path, k.keep), 'VACUUM dr',
       format('SELECT dr_check(%L, %L, %L, %s)', o.opclass, o.op, p.path, k.keep)
FROM (VALUES ('vector_l2_ops', '<->'), ('vector_cosine_ops', '<=>')) o(opclass, op),
     (VALUES ('build'), ('insert')) p(path), (VALUES (500), (100), (10), (1)) k(keep)
ORDER BY 1 \gexec
\o
SELECT opclass, path, kept_per_mille, live = (SELECT count(*) FROM dr_src s WHERE (hashint4(s.i) & 1023) * 1000 < kept_per_mille * 1024) AS all_live_indexed, missed AS rows_not_found_by_own_vector
FROM dr_result ORDER BY 1, 2, 3 DESC;
DROP TABLE dr, dr_src, dr_result;
DROP FUNCTION dr_setup, dr_check;
