-- The database dumped into types_dump.sql (README.md here): pgvector's halfvec, sparsevec and bit types with our own
-- data: typed and untyped columns, casts, a view, hnsw/ivfflat indexes of every operator class of these types, the
-- documented expression indexes (halfvec over a vector column; binary quantization), and pgvector_answers
-- (pgvector's results for queries over it). Run with psql in an empty database of a server that has pgvector.
CREATE EXTENSION vector;
\ir answers_table.sql

SELECT setseed(0.29);
CREATE TABLE items (
  id bigint PRIMARY KEY,
  category int NOT NULL,
  embedding vector(8),
  half halfvec(8),
  sparse sparsevec(12),
  bits bit(16)
);
-- Clustered by category; the random values are correlated with i (one draw per element). sparse keeps 3 to 5 of 12
-- indices, bits is a noisy per-category pattern.
INSERT INTO items (id, category, embedding)
  SELECT i, i % 4, ARRAY(SELECT round((random() * 2 - 1 + (i % 4) * (1 - 2 * (j % 2)))::numeric, 3)
                         FROM generate_series(1, 8) j WHERE i > 0)::vector
  FROM generate_series(1, 240) i;
UPDATE items SET half = embedding::halfvec(8);
UPDATE items SET sparse = format('{%s}/12', (SELECT string_agg(k || ':' || round((random() * 4 - 2 + category)::numeric, 2), ',' ORDER BY k)
                                             FROM generate_series(1, 12) k WHERE (k * 7 + id + category) % 3 = 0 OR k = 1 + category))::sparsevec;
UPDATE items SET bits = (SELECT string_agg(CASE WHEN ((b + category) % 4 < 2) <> (random() < 0.15 + 0 * id) THEN '1' ELSE '0' END, '' ORDER BY b)
                         FROM generate_series(1, 16) b)::bit(16);
INSERT INTO items (id, category) VALUES (241, 0);

CREATE TABLE formats (id int PRIMARY KEY, h halfvec, s sparsevec, b bit varying);
INSERT INTO formats VALUES
  (1, '[65504,-65504,6e-08,0.33325195,-0,1]', '{1:1.5,3:-2,7:1e-20}/8', '1011'),
  (2, '[1]', '{}/3', '1'),
  (3, '[ 0.1 , 0.2,0.3 ]', '{ 2 : 0.5 , 5:3 }/5', B'0000000011111111'),
  (4, (SELECT array_agg((i % 17) * 0.25 - 2) FROM generate_series(1, 3000) i)::halfvec,
      (SELECT format('{%s}/100000', string_agg(i * 37 || ':' || (i % 9) - 4.5, ',')) FROM generate_series(1, 2000) i)::sparsevec,
      (SELECT string_agg(((i * 13) % 5 % 2)::text, '') FROM generate_series(1, 5000) i)::varbit);

CREATE VIEW category_centroids AS
  SELECT category, avg(half) AS half_centroid, sum(half) AS half_total, count(*) AS n FROM items GROUP BY category;

INSERT INTO pgvector_answers (name, query) VALUES
  ('halfvec text', $q$SELECT md5(string_agg(coalesce(half::text, 'null'), ';' ORDER BY id)) FROM items$q$),
  ('halfvec binary', $q$SELECT md5(string_agg(coalesce(halfvec_send(half)::text, 'null'), ';' ORDER BY id)) FROM items$q$),
  ('sparsevec text', $q$SELECT md5(string_agg(coalesce(sparse::text, 'null'), ';' ORDER BY id)) FROM items$q$),
  ('sparsevec binary', $q$SELECT md5(string_agg(coalesce(sparsevec_send(sparse)::text, 'null'), ';' ORDER BY id)) FROM items$q$),
  ('bit text', $q$SELECT md5(string_agg(coalesce(bits::text, 'null'), ';' ORDER BY id)) FROM items$q$),
  ('formats text', $q$SELECT string_agg(concat_ws('|', h, s, b), ' ' ORDER BY id) FROM formats WHERE id < 4$q$),
  ('formats binary', $q$SELECT string_agg(concat_ws('|', halfvec_send(h), sparsevec_send(s)), ' ' ORDER BY id) FROM formats WHERE id < 4$q$),
  ('formats long', $q$SELECT concat_ws(' ', md5(h::text), md5(halfvec_send(h)::text), md5(s::text), md5(sparsevec_send(s)::text),
                   md5(b::text), vector_dims(h), l2_norm(s)) FROM formats WHERE id = 4$q$),
  ('halfvec functions', $q$SELECT string_agg(concat_ws('|', vector_dims(half), l2_norm(half), l2_normalize(half), subvector(half, 2, 3),
                   binary_quantize(half), half::real[], half::vector, half + half, half - half, half * half, half || half), ' ' ORDER BY id)
                 FROM items WHERE id <= 10$q$),
  ('halfvec distances', $q$SELECT string_agg(concat_ws('|', l2_distance(a.half, b.half), inner_product(a.half, b.half),
                   cosine_distance(a.half, b.half), l1_distance(a.half, b.half), a.half < b.half, a.half = b.half), ' ' ORDER BY a.id)
                 FROM items a JOIN items b ON b.id = a.id + 5 WHERE a.id <= 10$q$),
  ('halfvec btree order', $q$SELECT md5(string_agg(id::text, ',' ORDER BY half, id)) FROM items$q$),
  ('sparsevec functions', $q$SELECT string_agg(concat_ws('|', l2_norm(sparse), l2_normalize(sparse), sparse::vector, sparse::halfvec,
                   embedding::sparsevec, half::sparsevec), ' ' ORDER BY id) FROM items WHERE id <= 10$q$),
  ('sparsevec distances', $q$SELECT string_agg(concat_ws('|', l2_distance(a.sparse, b.sparse), inner_product(a.sparse, b.sparse),
                   cosine_distance(a.sparse, b.sparse), l1_distance(a.sparse, b.sparse), a.sparse < b.sparse, a.sparse = b.sparse), ' ' ORDER BY a.id)
                 FROM items a JOIN items b ON b.id = a.id + 5 WHERE a.id <= 10$q$),
  ('bit distances', $q$SELECT string_agg(concat_ws('|', hamming_distance(a.bits, b.bits), jaccard_distance(a.bits, b.bits),
                   a.bits <~> b.bits, a.bits <%> b.bits), ' ' ORDER BY a.id) FROM items a JOIN items b ON b.id = a.id + 5 WHERE a.id <= 10$q$),
  ('aggregates', $q$SELECT string_agg(concat_ws('|', category, half_centroid, half_total, n), ' ' ORDER BY category) FROM category_centroids$q$),
  ('casts', $q$SELECT concat_ws('|', '{1,2,3}'::int[]::halfvec, '{1.5,2.5}'::real[]::halfvec, '{0.1,0.2}'::float8[]::halfvec,
                   '{3.25,-4}'::numeric[]::halfvec, '[1,2,3]'::halfvec::real[], '[1,0,3]'::vector::sparsevec, '{1:2}/3'::sparsevec::vector,
                   '[1,2,3]'::halfvec(3))$q$),
  ('error halfvec overflow', $q$SELECT '[70000]'::halfvec::text$q$),
  ('error halfvec dims', $q$SELECT ('[1,2]'::halfvec <-> '[1,2,3]')::text$q$),
  ('error sparsevec order', $q$SELECT '{3:1,2:1}/5'::sparsevec::text$q$),
  ('error sparsevec range', $q$SELECT '{6:1}/5'::sparsevec::text$q$),
  ('error sparsevec dims', $q$SELECT ('{1:1}/5'::sparsevec <-> '{1:1}/6')::text$q$),
  ('error bit length', $q$SELECT (B'101' <~> B'1')::text$q$);
INSERT INTO pgvector_answers (name, query)
  SELECT format('knn %s %s %s', col, op, qn),
         format($q$SELECT string_agg(id || ':' || d, ' ' ORDER BY d, id)
                   FROM (SELECT id, %I %s %L AS d FROM items WHERE %I IS NOT NULL ORDER BY %I %s %L, id LIMIT 10) s$q$,
                col, op, q, col, col, op, q)
  FROM (VALUES ('half', '<->', 'q1', '[0.5,-0.2,1.1,0.3,2.2,-0.7,0.9,1.4]'), ('half', '<#>', 'q1', '[0.5,-0.2,1.1,0.3,2.2,-0.7,0.9,1.4]'),
               ('half', '<=>', 'q1', '[0.5,-0.2,1.1,0.3,2.2,-0.7,0.9,1.4]'), ('half', '<+>', 'q1', '[0.5,-0.2,1.1,0.3,2.2,-0.7,0.9,1.4]'),
               ('half', '<->', 'q2', '[-2,2,-2,2,-2,2,-2,2]'), ('half', '<=>', 'q2', '[-2,2,-2,2,-2,2,-2,2]'),
               ('sparse', '<->', 'q1', '{1:1,4:2,9:-1}/12'), ('sparse', '<#>', 'q1', '{1:1,4:2,9:-1}/12'),
               ('sparse', '<=>', 'q1', '{1:1,4:2,9:-1}/12'), ('sparse', '<+>', 'q1', '{1:1,4:2,9:-1}/12'),
               ('sparse', '<->', 'q2', '{2:3,3:1}/12'), ('sparse', '<=>', 'q2', '{2:3,3:1}/12'),
               ('bits', '<~>', 'q1', '1100110011001100'), ('bits', '<%>', 'q1', '1100110011001100'),
               ('bits', '<~>', 'q2', '0110011001100110'), ('bits', '<%>', 'q2', '0110011001100110')) v(col, op, qn, q);
-- The kNN queries of the two documented expression indexes below (half precision over a vector column; binary
-- quantization), answered by exact scans.
INSERT INTO pgvector_answers (name, query) VALUES
  ('expression knn half cosine q3', $q$SELECT string_agg(id || ':' || d, ' ' ORDER BY d, id)
     FROM (SELECT id, embedding::halfvec(8) <=> '[1,-1,1,-1,1,-1,1,-1]' AS d FROM items
           ORDER BY embedding::halfvec(8) <=> '[1,-1,1,-1,1,-1,1,-1]', id LIMIT 10) s$q$),
  ('expression knn quantized hamming q3', $q$SELECT string_agg(id || ':' || d, ' ' ORDER BY d, id)
     FROM (SELECT id, binary_quantize(embedding)::bit(8) <~> B'01010101' AS d FROM items
           ORDER BY binary_quantize(embedding)::bit(8) <~> B'01010101', id LIMIT 10) s$q$);
\ir compute_answers.sql

-- Indexes: every hnsw and ivfflat operator class of these types, the expression indexes pgvector documents.
CREATE INDEX items_half_hnsw_l2 ON items USING hnsw (half halfvec_l2_ops) WITH (m = 8, ef_construction = 32);
CREATE INDEX items_half_hnsw_ip ON items USING hnsw (half halfvec_ip_ops);
CREATE INDEX items_half_hnsw_cosine ON items USING hnsw (half halfvec_cosine_ops);
CREATE INDEX items_half_hnsw_l1 ON items USING hnsw (half halfvec_l1_ops);
CREATE INDEX items_half_ivfflat_l2 ON items USING ivfflat (half halfvec_l2_ops) WITH (lists = 4);
CREATE INDEX items_half_ivfflat_ip ON items USING ivfflat (half halfvec_ip_ops) WITH (lists = 3);
CREATE INDEX items_half_ivfflat_cosine ON items USING ivfflat (half halfvec_cosine_ops) WITH (lists = 2);
CREATE INDEX items_sparse_hnsw_l2 ON items USING hnsw (sparse sparsevec_l2_ops);
CREATE INDEX items_sparse_hnsw_ip ON items USING hnsw (sparse sparsevec_ip_ops);
CREATE INDEX items_sparse_hnsw_cosine ON items USING hnsw (sparse sparsevec_cosine_ops);
CREATE INDEX items_sparse_hnsw_l1 ON items USING hnsw (sparse sparsevec_l1_ops);
CREATE INDEX items_bits_hnsw_hamming ON items USING hnsw (bits bit_hamming_ops);
CREATE INDEX items_bits_hnsw_jaccard ON items USING hnsw (bits bit_jaccard_ops);
CREATE INDEX items_bits_ivfflat_hamming ON items USING ivfflat (bits bit_hamming_ops) WITH (lists = 4);
CREATE INDEX items_embedding_as_half ON items USING hnsw ((embedding::halfvec(8)) halfvec_cosine_ops);
CREATE INDEX items_embedding_quantized ON items USING hnsw ((binary_quantize(embedding)::bit(8)) bit_hamming_ops);
CREATE INDEX items_half_btree ON items (half);
ANALYZE;
