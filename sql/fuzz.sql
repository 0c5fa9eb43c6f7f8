-- Bounded SQL fuzz test (fixed seed): random text and binary input of `vector`, random index options of hnsw,
-- ivfflat and ivf (CREATE INDEX and ALTER INDEX ... SET), random values of every hnsw.* / ivfflat.* / ivf.* setting
-- followed by index scans, and the avg(vector) state functions with random states. Each case runs in its own
-- subtransaction and its SQLSTATE is recorded: no case may crash the backend (the test would lose its connection)
-- or raise XX000 (an internal error instead of the caller's).
-- Accepted text and binary input must round-trip bit for bit. What each section saw is printed as the set of
-- SQLSTATEs, so a new kind of error shows up in the diff.
SET client_min_messages = warning;
SELECT setseed(0.3141);
CREATE TEMP TABLE fz_result (section text, sqlstate text);
CREATE FUNCTION fz_try(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE stmt;
  RETURN '00000';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE;
END $$;
CREATE FUNCTION fz_pick(a text[]) RETURNS text LANGUAGE sql AS $$ SELECT a[1 + floor(random() * cardinality(a))::int] $$;
-- (the number of cases is not printed: a change of which options are valid would change it)
CREATE FUNCTION fz_summary(s text, min_cases int) RETURNS TABLE (enough_cases boolean, no_internal_error boolean, sqlstates text)
LANGUAGE sql AS $$
  SELECT count(*) >= min_cases, bool_and(sqlstate <> 'XX000'), string_agg(DISTINCT sqlstate, ' ' ORDER BY sqlstate)
  FROM fz_result WHERE section = s $$;

-- 1. text input: near-valid vectors with perturbations, and token soup
CREATE FUNCTION fz_number() RETURNS text LANGUAGE sql AS $$
  SELECT CASE floor(random() * 10)::int
    WHEN 0 THEN fz_pick(ARRAY['nan', 'NaN', 'inf', '-Infinity', '+inf', '1e39', '-1e39', '1e-46', '3.4028235e38',
                              '3.4028236e38', '1.17549435e-38', '0x1p3', '1_000', '-0', '00001', '.5', '5.', '-.e1',
                              '1e', '1e+', '--1', '+-1', repeat('9', 50), '0.' || repeat('0', 60) || '1', '٣', ''])
    WHEN 1 THEN (random() * 1e6)::int::text
    ELSE ((random() - 0.5) * 10 ^ floor(random() * 12 - 6))::real::text
  END $$;
CREATE FUNCTION fz_text() RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text := ''; n int; seps text[] := ARRAY[',', ',', ',', ', ', ' ,', ',,', ';', ' ', E'\t,'];
BEGIN
  IF random() < 0.65 THEN
    n := CASE WHEN random() < 0.02 THEN 15999 + floor(random() * 3)::int ELSE floor(random() * 6)::int END;
    r := fz_pick(ARRAY['[', '[', '[', ' [', E'\n[', '(', '{', '']);
    FOR i IN 1 .. n LOOP
      r := r || CASE WHEN i > 1 THEN (CASE WHEN random() < 0.9 THEN ',' ELSE fz_pick(seps) END) ELSE '' END ||
           CASE WHEN n > 100 THEN '1' ELSE fz_number() END;
    END LOOP;
    r := r || fz_pick(ARRAY[']', ']', ']', '] ', ']x', ']]', '', ' ]', E']\n', '],', '}']);
  ELSE
    FOR i IN 1 .. floor(random() * 12)::int LOOP
      r := r || fz_pick(ARRAY['[', ']', ',', ' ', '-', '+', '.', 'e', 'E', '0', '1', '7', 'nan', 'inf', '"', '''',
                              '\', '{', '}', E'\t', E'\n', 'é', '1e99', '€']);
    END LOOP;
  END IF;
  RETURN r;
END $$;
DO $$
DECLARE s text; st text; v vector; typmod text;
BEGIN
  FOR i IN 1 .. 2500 LOOP
    s := fz_text();
    typmod := CASE WHEN random() < 0.2 THEN '(' || fz_pick(ARRAY['1', '2', '3', '16000', '16001', '0', '-1']) || ')' ELSE '' END;
    st := fz_try(format('SELECT %L::vector%s', s, typmod));
    INSERT INTO fz_result VALUES ('text', st);
    IF st = '00000' AND typmod = '' THEN  -- accepted: the output reads back as the same vector
      v := s::vector;
      IF v::text::vector <> v OR vector_send(v::text::vector) <> vector_send(v) THEN
        RAISE EXCEPTION 'text round trip changed %', left(s, 80);
      END IF;
    END IF;
  END LOOP;
END $$;
SELECT * FROM fz_summary('text', 2500);

-- 2. binary input (vector_recv) through binary COPY: header (dim, unused) and float bytes, each possibly wrong
CREATE TABLE fz_bin (p bytea);
CREATE TABLE fz_vec (v vector);
CREATE FUNCTION fz_int16(x int) RETURNS bytea LANGUAGE sql AS $$ SELECT decode(lpad(to_hex(x & 65535), 4, '0'), 'hex') $$;
CREATE FUNCTION fz_payload() RETURNS bytea LANGUAGE plpgsql AS $$
DECLARE dim int; n int; p bytea;
BEGIN
  dim := CASE floor(random() * 8)::int WHEN 0 THEN fz_pick(ARRAY['0', '-1', '16000', '16001', '32767', '-32768'])::int
                                      ELSE 1 + floor(random() * 5)::int END;
  n := CASE floor(random() * 6)::int WHEN 0 THEN floor(random() * 7)::int
                                    WHEN 1 THEN greatest(dim, 0) + 1 ELSE greatest(dim, 0) END;
  p := fz_int16(dim) || fz_int16(CASE WHEN random() < 0.9 THEN 0 ELSE floor(random() * 65536)::int END);
  IF n > 100 THEN  -- long vectors: ones
    RETURN p || decode(repeat('3f800000', n), 'hex');
  END IF;
  FOR i IN 1 .. n LOOP
    p := p || CASE floor(random() * 6)::int
      WHEN 0 THEN decode(fz_pick(ARRAY['7fc00000', '7f800000', 'ff800000', '00000001', '80000000', '7f7fffff', 'ffffffff']), 'hex')
      WHEN 1 THEN decode(lpad(to_hex(floor(random() * 4294967296)::bigint), 8, '0'), 'hex')
      ELSE float4send(((random() - 0.5) * 1000)::real) END;
  END LOOP;
  IF random() < 0.1 THEN p := substr(p, 1, floor(random() * length(p))::int); END IF;  -- truncated
  RETURN p;
END $$;
DO $$
DECLARE p bytea; st text; f text := current_setting('data_directory') || '/fz_vector.bin';
BEGIN
  FOR i IN 1 .. 1200 LOOP
    p := fz_payload();
    DELETE FROM fz_bin;
    DELETE FROM fz_vec;
    INSERT INTO fz_bin VALUES (p);
    -- a binary COPY file of one bytea column is framed exactly like one of a vector column
    EXECUTE format('COPY fz_bin TO %L WITH (FORMAT binary)', f);
    st := fz_try(format('COPY fz_vec FROM %L WITH (FORMAT binary)', f));
    INSERT INTO fz_result VALUES ('binary', st);
    IF st = '00000' AND (SELECT vector_send(v) FROM fz_vec) <> p THEN  -- accepted: sent back unchanged
      RAISE EXCEPTION 'binary round trip changed %', p;
    END IF;
  END LOOP;
END $$;
SELECT * FROM fz_summary('binary', 1200);
DROP TABLE fz_bin, fz_vec;

-- 3. index options: CREATE INDEX with random reloptions, then ALTER INDEX ... SET and a scan
CREATE TABLE fz_t (id int, v vector(8));
INSERT INTO fz_t SELECT i, (SELECT array_agg(sin(i * 12.9898 + j * 78.233)) FROM generate_series(1, 8) j)::real[]::vector
  FROM generate_series(1, 300) i;
CREATE TABLE fz_u (id int, v vector);  -- no typmod: the data fixes the dimensions
INSERT INTO fz_u SELECT id, v FROM fz_t WHERE id <= 40;
-- mostly the access method's own options with values of the right kind (so most indexes get built and scanned),
-- sometimes any option with any value
CREATE FUNCTION fz_option(am text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE k text; v text;
BEGIN
  k := CASE WHEN random() < 0.15 THEN fz_pick(ARRAY['m', 'ef_construction', 'lists', 'quantizer', 'pq_m', 'rerank', 'fillfactor', 'foo'])
            WHEN am = 'hnsw' THEN fz_pick(ARRAY['m', 'ef_construction'])
            WHEN am = 'ivfflat' THEN 'lists'
            ELSE fz_pick(ARRAY['lists', 'quantizer', 'quantizer', 'pq_m', 'rerank']) END;
  IF random() < 0.3 THEN
    v := fz_pick(ARRAY['-1', '0', '1', '3', '100', '101', '1000', '1001', '32768', '32769', '2147483647', '2147483648',
                       '1.5', '''abc''', '''''', '''PQ''', '''lvq''', 'true']);
  ELSE
    v := CASE k WHEN 'quantizer' THEN fz_pick(ARRAY['''pq''', '''sq8''', '''flat'''])
                WHEN 'm' THEN fz_pick(ARRAY['2', '4', '8', '16', '32'])
                WHEN 'ef_construction' THEN fz_pick(ARRAY['40', '64', '100'])
                WHEN 'lists' THEN fz_pick(ARRAY['1', '2', '5', '20', '300', '1000'])
                WHEN 'pq_m' THEN fz_pick(ARRAY['1', '2', '4', '8'])
                WHEN 'rerank' THEN fz_pick(ARRAY['0', '1', '10', '100'])
                ELSE '1' END;
  END IF;
  RETURN k || ' = ' || v;
END $$;
DO $$
DECLARE am text; opc text; opts text; o2 text; st text; tbl text;
BEGIN
  FOR i IN 1 .. 200 LOOP
    am := fz_pick(ARRAY['hnsw', 'ivfflat', 'ivf']);
    opc := fz_pick(ARRAY['vector_l2_ops', 'vector_ip_ops', 'vector_cosine_ops', 'vector_l1_ops']);
    tbl := CASE WHEN random() < 0.2 THEN 'fz_u' ELSE 'fz_t' END;
    opts := fz_option(am);
    IF random() < 0.6 THEN
      o2 := fz_option(am);
      IF split_part(o2, ' ', 1) <> split_part(opts, ' ', 1) OR random() < 0.1 THEN opts := opts || ', ' || o2; END IF;
    END IF;
    -- keep builds small: no hnsw graph with m and ef_construction both at their maxima
    opts := replace(opts, 'ef_construction = 1000', 'ef_construction = 999');
    st := fz_try(format('CREATE INDEX fz_idx ON %I USING %s (v %s) WITH (%s)', tbl, am, opc, opts));
    INSERT INTO fz_result VALUES ('reloptions', st);
    IF st = '00000' THEN
      INSERT INTO fz_result VALUES ('reloptions', fz_try(format('ALTER INDEX fz_idx SET (%s)', fz_option(am))));
      INSERT INTO fz_result VALUES ('reloptions', fz_try(format(
        'SELECT count(*) FROM (SELECT id FROM %I ORDER BY v %s ''[1,2,3,4,5,6,7,8]'' LIMIT 5) s', tbl,
        CASE opc WHEN 'vector_l2_ops' THEN '<->' WHEN 'vector_ip_ops' THEN '<#>' WHEN 'vector_cosine_ops' THEN '<=>' ELSE '<+>' END)));
      INSERT INTO fz_result VALUES ('reloptions', fz_try(format('INSERT INTO %I VALUES (0, ''[1,1,1,1,1,1,1,1]'')', tbl)));
      IF am <> 'hnsw' THEN  -- every index built from random options is consistent
        INSERT INTO fz_result VALUES ('index_check', fz_try('SELECT vectorext.index_check(''fz_idx'', true)'));
      END IF;
      EXECUTE 'DROP INDEX fz_idx';
    END IF;
  END LOOP;
END $$;
SELECT * FROM fz_summary('reloptions', 300);
SELECT * FROM fz_summary('index_check', 20);

-- 4. settings: random values of every hnsw.* / ivfflat.* / ivf.* setting, then scans of each access method
CREATE INDEX fz_t_hnsw ON fz_t USING hnsw (v vector_l2_ops);
CREATE INDEX fz_t_ivfflat ON fz_t USING ivfflat (v vector_ip_ops) WITH (lists = 5);
CREATE INDEX fz_t_ivf ON fz_t USING ivf (v vector_cosine_ops) WITH (lists = 5, quantizer = 'sq8');
SET enable_seqscan = off;
DO $$
DECLARE name text; val text; st text;
  names text[] := ARRAY['hnsw.ef_search', 'hnsw.iterative_scan', 'hnsw.max_scan_tuples', 'hnsw.scan_mem_multiplier',
                        'ivfflat.probes', 'ivfflat.iterative_scan', 'ivfflat.max_probes', 'ivf.probes',
                        'ivf.iterative_scan', 'ivf.max_probes', 'hnsw.unknown', 'ivf.unknown'];
BEGIN
  FOR i IN 1 .. 400 LOOP
    name := fz_pick(names);
    val := fz_pick(ARRAY['-1', '0', '1', '2', '5', '40', '1000', '1001', '32768', '32769', '2147483647',
                         '2147483648', '1.5', '1e3', '0.5', '1000.5', 'off', 'on', 'relaxed_order', 'strict_order',
                         'RELAXED_ORDER', 'foo', '', 'NaN', 'Infinity']);
    st := fz_try(format('SET %s = %L', name, val));
    INSERT INTO fz_result VALUES ('settings', st);
    INSERT INTO fz_result VALUES ('settings', fz_try(format(
      'SELECT count(*) FROM (SELECT id FROM fz_t WHERE id %% %s = 0 ORDER BY v %s ''[1,0,1,0,1,0,1,0]'' LIMIT 7) s',
      fz_pick(ARRAY['1', '3', '97']), fz_pick(ARRAY['<->', '<#>', '<=>']))));
    IF random() < 0.3 THEN PERFORM fz_try(format('RESET %s', name)); END IF;
  END LOOP;
END $$;
SELECT * FROM fz_summary('settings', 800);
RESET ALL;

-- 5. the avg(vector) state functions called directly with random states (issue 11: never XX000)
CREATE FUNCTION fz_state() RETURNS text LANGUAGE sql AS $$
  SELECT fz_pick(ARRAY['''{}''', '''{0}''', '''{1}''', '''{2,1,2}''', '''{1,NULL}''', '''{{1,2},{3,4}}''', '''{NaN,1}''',
                       '''{Infinity,1}''', '''{-1,5}''', '''{0,1,2}''', '''{1e308,1e308}''', '''[0:1]={1,2}''',
                       'array_fill(1::float8, ARRAY[16002])', 'array_fill(1::float8, ARRAY[16001])',
                       'array_fill(1::float8, ARRAY[2, 2])', 'ARRAY[]::float8[]'])
         || '::float8[]' $$;
DO $$
BEGIN
  FOR i IN 1 .. 300 LOOP
    INSERT INTO fz_result VALUES ('aggregate states', fz_try(CASE floor(random() * 3)::int
      WHEN 0 THEN format('SELECT vector_accum(%s, %L)', fz_state(), fz_pick(ARRAY['[1]', '[1,2]', '[3e38,3e38]']))
      WHEN 1 THEN format('SELECT vector_combine(%s, %s)', fz_state(), fz_state())
      ELSE format('SELECT vector_avg(%s)', fz_state()) END));
  END LOOP;
END $$;
SELECT * FROM fz_summary('aggregate states', 300);

DROP TABLE fz_t, fz_u, fz_result;
DROP FUNCTION fz_try(text), fz_pick(text[]), fz_summary(text, int), fz_number(), fz_text(), fz_int16(int), fz_payload(),
  fz_option(text), fz_state();
