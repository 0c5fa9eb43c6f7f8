-- sparsevec distance operators and functions, norms, comparison and btree, and casts. Printed values are small
-- integers, so every sum is exact; long vectors are checked against the same distances of their dense forms.

-- distances: a merge of the two index lists; indices in one vector only count against 0
SELECT '{1:1,3:2}/3'::sparsevec <-> '{2:1,3:4}/3', l2_distance('{1:1,3:2}/3'::sparsevec, '{2:1,3:4}/3'), sparsevec_l2_squared_distance('{1:1,3:2}/3', '{2:1,3:4}/3');
SELECT '{1:1,3:2}/3'::sparsevec <#> '{2:1,3:4}/3', inner_product('{1:1,3:2}/3'::sparsevec, '{2:1,3:4}/3'), sparsevec_negative_inner_product('{1:1,3:2}/3', '{2:1,3:4}/3');
SELECT '{1:1,3:2}/3'::sparsevec <=> '{2:1,3:4}/3', cosine_distance('{1:1,3:2}/3'::sparsevec, '{2:1,3:4}/3');
SELECT '{1:1,3:2}/3'::sparsevec <+> '{2:1,3:-4}/3', l1_distance('{1:1,3:2}/3'::sparsevec, '{2:1,3:-4}/3');
SELECT '{1:1,2:1}/2'::sparsevec <=> '{1:2,2:2}/2' AS same_direction, '{1:1}/2'::sparsevec <=> '{2:1}/2' AS orthogonal,
       '{}/2'::sparsevec <=> '{1:1}/2' AS zero_norm_is_nan, '{}/2'::sparsevec <-> '{}/2' AS both_empty;
SELECT '{1:3e38}/2'::sparsevec <-> '{1:-3e38}/2' AS l2_overflows_to_inf;

-- long vectors: every distance equals the vector type's on the dense forms (exact on integers)
CREATE TABLE sf_pairs AS
  SELECT g, ('{' || string_agg(DISTINCT ((g * 7 + k * 13) % 3000 + 1) || ':' || ((g + k) % 9 - 4 + CASE WHEN (g + k) % 9 = 4 THEN 1 ELSE 0 END), ',') || '}/3000')::sparsevec AS a,
            ('{' || string_agg(DISTINCT ((g * 11 + k * 17) % 3000 + 1) || ':' || ((g * k) % 7 - 3 + CASE WHEN (g * k) % 7 = 3 THEN 1 ELSE 0 END), ',') || '}/3000')::sparsevec AS b
  FROM generate_series(1, 30) g, generate_series(1, 400) k GROUP BY g;
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE (a <-> b) <> (a::vector <-> b::vector)) AS l2_bad,
       count(*) FILTER (WHERE (a <#> b) <> (a::vector <#> b::vector) OR inner_product(a, b) <> inner_product(a::vector, b::vector)) AS ip_bad,
       count(*) FILTER (WHERE (a <=> b) <> (a::vector <=> b::vector)) AS cos_bad,
       count(*) FILTER (WHERE (a <+> b) <> (a::vector <+> b::vector)) AS l1_bad,
       count(*) FILTER (WHERE l2_norm(a) <> vector_norm(a::vector)) AS norm_bad,
       count(*) FILTER (WHERE sparsevec_l2_squared_distance(a, b) <> vector_l2_squared_distance(a::vector, b::vector)) AS l2sq_bad,
       min(length(a::text)) > 100 AS nontrivial
FROM sf_pairs;
DROP TABLE sf_pairs;

-- commutators declared
SELECT oprname, oprcode, oprcom::regoperator, oprnegate::regoperator, oprcanmerge FROM pg_operator
WHERE oprleft = 'sparsevec'::regtype AND oprright = 'sparsevec'::regtype ORDER BY oprname;

-- dimension mismatch is an error for every distance
\set VERBOSITY sqlstate
SELECT '{1:1}/2'::sparsevec <-> '{1:1}/3';
\set VERBOSITY default
SELECT '{1:1}/2'::sparsevec <-> '{1:1}/3';
SELECT '{1:1}/2'::sparsevec <#> '{1:1}/3';
SELECT '{1:1}/2'::sparsevec <=> '{1:1}/3';
SELECT '{1:1}/2'::sparsevec <+> '{1:1}/3';
SELECT inner_product('{1:1}/2'::sparsevec, '{1:1}/3');
SELECT sparsevec_l2_squared_distance('{1:1}/2', '{1:1}/3');

-- norms
SELECT l2_norm('{1:3,2:4}/2'::sparsevec), l2_norm('{}/2'::sparsevec), l2_norm('{1:3e38,2:3e38}/2'::sparsevec) AS in_double;
SELECT l2_normalize('{1:3,2:4}/2'::sparsevec), l2_normalize('{}/2'::sparsevec) AS zero_stays_zero,
       l2_normalize('{1:3e38,5:1e-45}/5'::sparsevec) AS underflow_dropped, l2_normalize('{1:3e38,2:3e38}/2'::sparsevec);

-- comparison: as if both were dense (element by element, then the shorter first)
SELECT '{1:1}/2'::sparsevec < '{2:1}/2' AS a, '{1:-1}/2'::sparsevec < '{2:1}/2' AS b, '{1:1}/2'::sparsevec = '{1:1}/2' AS c,
       '{1:1}/2'::sparsevec = '{1:1}/3' AS d, '{}/2'::sparsevec < '{}/3' AS e, '{2:-1}/2'::sparsevec < '{}/2' AS f,
       '{2:1}/2'::sparsevec < '{}/3' AS g, '{3:1}/3'::sparsevec > '{}/2' AS h;
SELECT sparsevec_cmp('{1:1,2:2}/3', '{1:1}/3'), sparsevec_cmp('{1:1}/3', '{1:1,2:-2}/3'), sparsevec_cmp('{1:1,3:2}/3', '{1:1}/2'), sparsevec_cmp('{1:1}/3', '{1:1}/3');
SELECT sparsevec_lt('{1:1}/1', '{1:2}/1'), sparsevec_le('{1:2}/1', '{1:2}/1'), sparsevec_eq('{1:2}/1', '{1:2}/1'),
       sparsevec_ne('{1:2}/1', '{1:2}/1'), sparsevec_ge('{1:1}/1', '{1:2}/1'), sparsevec_gt('{1:3}/1', '{1:2}/1');
-- the order is the vector type's order of the dense forms
CREATE TABLE sf_sorted (id int, v sparsevec);
INSERT INTO sf_sorted VALUES (1, '{1:3,2:1}/2'), (2, '{1:1,2:2,3:3}/3'), (3, '{1:1,2:2}/2'), (4, '{1:-1,2:5}/2'), (5, '{1:1,2:2}/2'),
                             (6, '{1:3,2:0.5}/2'), (7, '{}/2'), (8, '{2:-1}/2'), (9, '{3:1}/3'), (10, '{}/3');
SELECT (SELECT array_agg(id ORDER BY v, id) FROM sf_sorted) = (SELECT array_agg(id ORDER BY v::vector, id) FROM sf_sorted) AS same_order,
       (SELECT array_agg(v ORDER BY v, id) FROM sf_sorted) AS sorted;
CREATE INDEX sf_sorted_v ON sf_sorted (v);
SELECT opcname FROM pg_opclass c JOIN pg_index i ON c.oid = i.indclass[0] WHERE i.indexrelid = 'sf_sorted_v'::regclass;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM sf_sorted WHERE v = '{1:1,2:2}/2';
SELECT id FROM sf_sorted WHERE v = '{1:1,2:2}/2' ORDER BY id;
RESET enable_seqscan;
CREATE UNIQUE INDEX sf_sorted_unique ON sf_sorted (v);
SET enable_hashjoin = off; SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT a.id, b.id FROM sf_sorted a JOIN sf_sorted b ON a.v = b.v;
SELECT count(*) FROM sf_sorted a JOIN sf_sorted b ON a.v = b.v;
RESET enable_hashjoin; RESET enable_nestloop;
DROP TABLE sf_sorted;

-- casts: vector / halfvec -> sparsevec (implicit), back by assignment, arrays -> sparsevec (assignment)
SELECT '[0,1.5,0,-2]'::vector::sparsevec, '[0,1.5,0,-2]'::halfvec::sparsevec, '[0,0]'::vector::sparsevec AS all_zero;
SELECT '{2:1.5,4:-2}/4'::sparsevec::vector, '{2:1.5,4:-2}/4'::sparsevec::halfvec, '{1:1.1}/2'::sparsevec::halfvec AS rounded;
SELECT '{1,0,2}'::int[]::sparsevec, '{1.5,0,-0}'::real[]::sparsevec, '{1.5,0}'::float8[]::sparsevec, '{1.5,0}'::numeric[]::sparsevec;
SELECT ARRAY[0,0,3]::sparsevec(3), '{1:1}/3'::sparsevec::vector(3), '[1,0]'::vector::sparsevec(2), '{1:1e-10}/2'::sparsevec::halfvec AS underflow;
SELECT vector_to_sparsevec('[1,0]', -1, true), sparsevec_to_vector('{1:1}/2', -1, false), halfvec_to_sparsevec('[0,2]', 2, false),
       sparsevec_to_halfvec('{2:2}/2', -1, false), array_to_sparsevec('{0,7}'::int[], -1, false);
-- a vector query against a sparsevec column: the implicit vector -> sparsevec cast applies
CREATE TABLE sf_items (id int, v sparsevec(4));
INSERT INTO sf_items VALUES (1, '{1:1}/4'), (2, '[0,2,0,0]'::vector), (3, ARRAY[1,1,0,0]), (4, '[0,0,0,3]'::halfvec);
SELECT id, v, v <-> '[1,0,0,0]'::vector AS l2 FROM sf_items ORDER BY v <-> '[1,0,0,0]'::vector, id;
INSERT INTO sf_items VALUES (5, '{1:1}/5');
DROP TABLE sf_items;

-- NULL in, NULL out; the declared attributes (pgvector's: IMMUTABLE STRICT PARALLEL SAFE)
SELECT NULL::sparsevec <-> '{1:1}/1', l2_norm(NULL::sparsevec), l2_normalize(NULL::sparsevec);
SELECT p.oid::regprocedure AS function, provolatile = 'i' AS immutable, proisstrict AS strict, proparallel = 's' AS parallel_safe
FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid AND d.classid = 'pg_proc'::regclass
JOIN pg_extension e ON d.refobjid = e.oid AND e.extname = 'vectorext'
WHERE p.prokind = 'f' AND ('sparsevec'::regtype = ANY (p.proargtypes::oid[]) OR p.prorettype = 'sparsevec'::regtype)
ORDER BY p.oid::regprocedure::text;
