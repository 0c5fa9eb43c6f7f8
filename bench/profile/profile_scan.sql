-- The scan profile's tables, indexes and query loops (bench/profile/profile_scan.sh runs it once per database, with
-- -v ext=vectorext or -v ext=vector). The loops are PL/pgSQL so that the profiled backend runs nothing but the
-- queries: each is the bench's statement (ORDER BY embedding <op> $1 LIMIT 10) with the query vector as a
-- parameter of a cached plan, no client round trip, no parsing of vector text. One function per table on purpose:
-- a dynamic statement (EXECUTE format(...)) would be planned again for every query and show up in the profile.
\set ON_ERROR_STOP 1
CREATE EXTENSION :ext;
CREATE TABLE pca256 (id int PRIMARY KEY, embedding vector(256));
CREATE TABLE pca256_q (id int PRIMARY KEY, embedding vector(256));
CREATE TABLE gauss1536 (id int PRIMARY KEY, embedding vector(1536));
CREATE TABLE gauss1536_q (id int PRIMARY KEY, embedding vector(1536));
\copy pca256 FROM 'pca256.txt'
\copy pca256_q FROM 'pca256_q.txt'
\copy gauss1536 FROM 'gauss1536.txt'
\copy gauss1536_q FROM 'gauss1536_q.txt'
VACUUM ANALYZE pca256, pca256_q, gauss1536, gauss1536_q;
-- exact top 10 of every query (sequential scans), for recall
SET enable_indexscan = off;
CREATE TABLE pca256_truth AS
  SELECT q.id AS qid, ARRAY(SELECT p.id FROM pca256 p ORDER BY p.embedding <=> q.embedding LIMIT 10) AS ids FROM pca256_q q;
CREATE TABLE gauss1536_truth AS
  SELECT q.id AS qid, ARRAY(SELECT p.id FROM gauss1536 p ORDER BY p.embedding <#> q.embedding LIMIT 10) AS ids
  FROM gauss1536_q q;
RESET enable_indexscan;
SET max_parallel_maintenance_workers = 1;
CREATE INDEX ON pca256 USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64);
CREATE INDEX ON gauss1536 USING hnsw (embedding vector_ip_ops) WITH (m = 16, ef_construction = 64);

-- run_<table>(reps): every query `reps` times; md5 of the ids in order of the last round (a checksum of the results).
-- recall_<table>(): recall@10 against the exact top 10.
CREATE FUNCTION run_pca256(reps int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r record; acc text; ids int[];
BEGIN
  FOR k IN 1..reps LOOP
    acc := '';
    FOR r IN SELECT id, embedding FROM pca256_q ORDER BY id LOOP
      ids := ARRAY(SELECT p.id FROM pca256 p ORDER BY p.embedding <=> r.embedding LIMIT 10);
      acc := acc || ids::text;
    END LOOP;
  END LOOP;
  RETURN md5(acc);
END $$;
CREATE FUNCTION run_gauss1536(reps int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r record; acc text; ids int[];
BEGIN
  FOR k IN 1..reps LOOP
    acc := '';
    FOR r IN SELECT id, embedding FROM gauss1536_q ORDER BY id LOOP
      ids := ARRAY(SELECT p.id FROM gauss1536 p ORDER BY p.embedding <#> r.embedding LIMIT 10);
      acc := acc || ids::text;
    END LOOP;
  END LOOP;
  RETURN md5(acc);
END $$;
CREATE FUNCTION recall_pca256() RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE r record; hit int := 0; ids int[];
BEGIN
  FOR r IN SELECT q.embedding, t.ids AS truth FROM pca256_q q JOIN pca256_truth t ON t.qid = q.id LOOP
    ids := ARRAY(SELECT p.id FROM pca256 p ORDER BY p.embedding <=> r.embedding LIMIT 10);
    hit := hit + (SELECT count(*) FROM unnest(ids) i WHERE i = ANY (r.truth));
  END LOOP;
  RETURN hit / (10.0 * (SELECT count(*) FROM pca256_q));
END $$;
CREATE FUNCTION recall_gauss1536() RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE r record; hit int := 0; ids int[];
BEGIN
  FOR r IN SELECT q.embedding, t.ids AS truth FROM gauss1536_q q JOIN gauss1536_truth t ON t.qid = q.id LOOP
    ids := ARRAY(SELECT p.id FROM gauss1536 p ORDER BY p.embedding <#> r.embedding LIMIT 10);
    hit := hit + (SELECT count(*) FROM unnest(ids) i WHERE i = ANY (r.truth));
  END LOOP;
  RETURN hit / (10.0 * (SELECT count(*) FROM gauss1536_q));
END $$;
