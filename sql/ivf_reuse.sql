-- ivfflat / ivf reuse the space VACUUM frees: after deleting every row (or half of them), VACUUM and inserting the
-- same number of rows again, the index has not grown (pgvector: +0%; layout version 2: +74%), for every quantizer;
-- and the index still returns every live row exactly once (flat: in exact order with all lists probed).
SET client_min_messages = warning;
CREATE TABLE ivr (id int, v vector(16)) WITH (autovacuum_enabled = off);
CREATE FUNCTION ivr_fill(lo int, hi int, step int DEFAULT 1) RETURNS void LANGUAGE sql AS $$
  INSERT INTO ivr SELECT i, (SELECT array_agg(sin(i * 12.9898 + j * 78.233)) FROM generate_series(1, 16) j)::real[]::vector
    FROM generate_series(lo, hi) i WHERE i % step = 0 $$;
SELECT ivr_fill(1, 6000);
CREATE INDEX ivr_flat ON ivr USING ivfflat (v vector_l2_ops) WITH (lists = 20);
CREATE INDEX ivr_sq8 ON ivr USING ivf (v vector_l2_ops) WITH (lists = 20, quantizer = 'sq8');
CREATE INDEX ivr_pq ON ivr USING ivf (v vector_l2_ops) WITH (lists = 20, quantizer = 'pq', pq_m = 4);
CREATE TEMP TABLE ivr_size AS SELECT relname, pg_relation_size(oid) AS built FROM pg_class WHERE relname LIKE 'ivr\_%' AND relkind = 'i';

-- the index in use returns every live row once, and the first 20 in the exact order
CREATE FUNCTION ivr_check(idx text) RETURNS TABLE (each_row_once bool, exact_top20 bool) LANGUAGE plpgsql AS $$
DECLARE q vector := (SELECT v FROM ivr ORDER BY id LIMIT 1); got int[]; want int[];
BEGIN
  EXECUTE 'SELECT array_agg(id) FROM (SELECT id FROM ivr ORDER BY v <-> $1) s' INTO got USING q;
  each_row_once := cardinality(got) = (SELECT count(*) FROM ivr) AND cardinality(got) = (SELECT count(DISTINCT x) FROM unnest(got) x);
  EXECUTE 'SELECT array_agg(id ORDER BY o) FROM (SELECT id, row_number() OVER () o FROM (SELECT id FROM ivr ORDER BY v <-> $1 LIMIT 20) s) t' INTO got USING q;
  SELECT array_agg(id ORDER BY d, id) INTO want FROM (SELECT id, v <-> q AS d FROM ivr ORDER BY d, id LIMIT 20) s;
  -- compare distances, not ids (ties may come in any order)
  exact_top20 := (SELECT array_agg(v <-> q ORDER BY o) FROM unnest(got) WITH ORDINALITY g(gid, o) JOIN ivr ON ivr.id = g.gid)
               = (SELECT array_agg(v <-> q ORDER BY o) FROM unnest(want) WITH ORDINALITY w(wid, o) JOIN ivr ON ivr.id = w.wid);
  RETURN NEXT;
END $$;
CREATE FUNCTION ivr_check_all() RETURNS TABLE (idx text, each_row_once bool, exact_top20 bool) LANGUAGE plpgsql AS $$
DECLARE i text;
BEGIN
  FOREACH i IN ARRAY ARRAY['ivr_flat', 'ivr_sq8', 'ivr_pq'] LOOP
    -- the other indexes are dropped in a subtransaction that is rolled back, so the planner uses this one
    BEGIN
      EXECUTE (SELECT 'DROP INDEX ' || string_agg(x, ', ') FROM unnest(ARRAY['ivr_flat', 'ivr_sq8', 'ivr_pq']) x WHERE x <> i);
      idx := i;
      SELECT c.each_row_once, CASE WHEN i = 'ivr_flat' THEN c.exact_top20 END INTO each_row_once, exact_top20 FROM ivr_check(i) c;
      RETURN NEXT;
      RAISE EXCEPTION 'rollback' USING ERRCODE = 'P0001';
    EXCEPTION WHEN SQLSTATE 'P0001' THEN NULL;
    END;
  END LOOP;
END $$;
SET enable_seqscan = off;
SET ivfflat.probes = 20;
SET ivf.probes = 20;
SELECT * FROM ivr_check_all();

-- delete everything, VACUUM, insert the same rows again: no growth
DELETE FROM ivr;
VACUUM ivr;
SELECT ivr_fill(1, 6000);
SELECT s.relname, pg_relation_size(s.relname::regclass) = s.built AS same_size FROM ivr_size s ORDER BY 1;
SELECT * FROM ivr_check_all();

-- half of the rows, spread over every page: their space is refilled
DELETE FROM ivr WHERE id % 2 = 0;
VACUUM ivr;
SELECT ivr_fill(1, 6000, 2);
SELECT s.relname, pg_relation_size(s.relname::regclass) = s.built AS same_size FROM ivr_size s ORDER BY 1;
SELECT * FROM ivr_check_all();

-- more rows than before: the lists grow at their tails, and what was freed is used first
DELETE FROM ivr WHERE id <= 3000;
VACUUM ivr;
SELECT ivr_fill(6001, 9000);
SELECT s.relname, pg_relation_size(s.relname::regclass) = s.built AS same_size FROM ivr_size s ORDER BY 1;
SELECT ivr_fill(9001, 10000);
SELECT s.relname, pg_relation_size(s.relname::regclass) > s.built AS grown FROM ivr_size s ORDER BY 1;
SELECT * FROM ivr_check_all();
RESET enable_seqscan;
RESET ivfflat.probes;
RESET ivf.probes;
DROP TABLE ivr, ivr_size;
DROP FUNCTION ivr_fill(int, int, int), ivr_check(text), ivr_check_all();
