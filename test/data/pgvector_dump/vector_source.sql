-- The database dumped into vector_dump.sql (README.md here): our own data and schema in pgvector's formats, with
-- every kind of object a pgvector database dump carries (typed and untyped columns, arrays, a domain, defaults, a
-- generated column, a view, a function, hnsw/ivfflat/btree/expression indexes), and pgvector_answers (pgvector's
-- results for queries over it). Run with psql in an empty database of a server that has pgvector.
CREATE EXTENSION vector;
\ir answers_table.sql

SELECT setseed(0.13);
CREATE TABLE items (
  id bigint PRIMARY KEY,
  category int NOT NULL,
  embedding vector(8),
  norm double precision GENERATED ALWAYS AS (vector_norm(embedding)) STORED
);
-- Clustered by category (offset per category); the random row values are correlated with i (one draw per element).
INSERT INTO items (id, category, embedding)
  SELECT i, i % 5, ARRAY(SELECT round((random() * 2 - 1 + (i % 5) * (1 - 2 * (j % 2)))::numeric, 4)
                         FROM generate_series(1, 8) j WHERE i > 0)::vector
  FROM generate_series(1, 300) i;
INSERT INTO items (id, category, embedding) VALUES (301, 0, NULL);

-- Text forms pgvector prints: shortest round-trip decimals, exponents, negative zero, float limits; untyped column.
CREATE TABLE formats (id int PRIMARY KEY, v vector NOT NULL);
INSERT INTO formats VALUES
  (1, '[1e-20,-1e20,1.5e-07,123456.79,0,-0,3.4028235e38,1.1754944e-38]'),
  (2, '[1]'),
  (3, '[ 0.1 , 0.2,0.30000001 ]'),
  (4, (SELECT array_agg((i % 17) * 0.25 - 2) FROM generate_series(1, 3000) i)::vector);

CREATE DOMAIN embedding3 AS vector(3) CHECK (vector_dims(VALUE) = 3);
CREATE TABLE shapes (
  id int PRIMARY KEY,
  e embedding3 NOT NULL DEFAULT '[0,0,0]',
  several vector(3)[],
  created_as real[]
);
INSERT INTO shapes VALUES
  (1, '[1,2,3]', ARRAY['[1,1,1]', '[2,2,2]']::vector(3)[], '{1,2,3}'),
  (2, DEFAULT, NULL, NULL),
  (3, '[-1.5,0.25,1e-3]', ARRAY['[0,0,1]']::vector(3)[], '{0.5,0.25,0.125}');

CREATE VIEW category_centroids AS
  SELECT category, avg(embedding) AS centroid, sum(embedding) AS total, count(*) AS n FROM items GROUP BY category;
CREATE FUNCTION nearest_items(q vector, k int) RETURNS SETOF bigint LANGUAGE sql STABLE
  AS $$ SELECT id FROM items ORDER BY embedding <=> q, id LIMIT k $$;

-- pgvector's answers. kNN lists are 'id:distance' pairs; distances are compared with a float tolerance, text and
-- binary forms exactly.
INSERT INTO pgvector_answers (name, query) VALUES
  ('items text', $q$SELECT md5(string_agg(coalesce(embedding::text, 'null'), ';' ORDER BY id)) FROM items$q$),
  ('items binary', $q$SELECT md5(string_agg(coalesce(vector_send(embedding)::text, 'null'), ';' ORDER BY id)) FROM items$q$),
  ('formats text', $q$SELECT string_agg(v::text, ' ' ORDER BY id) FROM formats WHERE id < 4$q$),
  ('formats long', $q$SELECT md5(v::text) || ' ' || md5(vector_send(v)::text) || ' ' || vector_dims(v) FROM formats WHERE id = 4$q$),
  ('formats binary', $q$SELECT string_agg(vector_send(v)::text, ' ' ORDER BY id) FROM formats WHERE id < 4$q$),
  ('shapes', $q$SELECT string_agg(concat_ws('|', id, e, several, created_as::vector), ' ' ORDER BY id) FROM shapes$q$),
  ('generated norm', $q$SELECT string_agg(id || ':' || coalesce(norm::text, 'null'), ' ' ORDER BY id) FROM items WHERE id <= 20 OR id = 301$q$),
  ('functions', $q$SELECT string_agg(concat_ws('|', vector_dims(embedding), vector_norm(embedding), l2_normalize(embedding),
                   subvector(embedding, 2, 3), binary_quantize(embedding), embedding::real[]), ' ' ORDER BY id) FROM items WHERE id <= 10$q$),
  ('arithmetic', $q$SELECT string_agg(concat_ws('|', a.embedding + b.embedding, a.embedding - b.embedding,
                   a.embedding * b.embedding, a.embedding || b.embedding), ' ' ORDER BY a.id)
                 FROM items a JOIN items b ON b.id = a.id + 1 WHERE a.id <= 10$q$),
  ('comparisons', $q$SELECT string_agg(concat_ws('|', a.embedding < b.embedding, a.embedding <= b.embedding, a.embedding = b.embedding,
                   a.embedding <> b.embedding, a.embedding >= b.embedding, a.embedding > b.embedding), ' ' ORDER BY a.id)
                 FROM items a JOIN items b ON b.id = a.id + 1 WHERE a.id <= 20$q$),
  ('btree order', $q$SELECT md5(string_agg(id::text, ',' ORDER BY embedding, id)) FROM items$q$),
  ('distance functions', $q$SELECT string_agg(concat_ws('|', l2_distance(a.embedding, b.embedding), inner_product(a.embedding, b.embedding),
                   cosine_distance(a.embedding, b.embedding), l1_distance(a.embedding, b.embedding)), ' ' ORDER BY a.id)
                 FROM items a JOIN items b ON b.id = a.id + 7 WHERE a.id <= 10$q$),
  ('aggregates', $q$SELECT string_agg(concat_ws('|', category, centroid, total, n), ' ' ORDER BY category) FROM category_centroids$q$),
  ('function', $q$SELECT string_agg(x::text, ',') FROM nearest_items('[1,-1,1,-1,1,-1,1,-1]', 5) x$q$),
  ('casts', $q$SELECT concat_ws('|', '{1,2,3}'::int[]::vector, '{1.5,2.5}'::real[]::vector, '{0.1,0.2}'::float8[]::vector,
                   '{3.25,-4}'::numeric[]::vector, '[1,2,3]'::vector::real[], '[1,2,3]'::vector(3))$q$),
  ('error dims', $q$SELECT ('[1,2]'::vector <-> '[1,2,3]')::text$q$),
  ('error typmod', $q$SELECT '[1,2]'::vector(3)::text$q$),
  ('error input', $q$SELECT '[1,2'::vector::text$q$),
  ('error nan', $q$SELECT '[NaN,1]'::vector::text$q$),
  ('error empty', $q$SELECT '[]'::vector::text$q$),
  ('error domain', $q$INSERT INTO shapes (id, e) VALUES (9, '[1,2]') RETURNING id::text$q$);
INSERT INTO pgvector_answers (name, query)
  SELECT format('knn %s %s', op, qn),
         format($q$SELECT string_agg(id || ':' || d, ' ' ORDER BY d, id)
                   FROM (SELECT id, embedding %s %L AS d FROM items ORDER BY embedding %s %L, id LIMIT 10) s$q$, op, q, op, q)
  FROM unnest(ARRAY['<->', '<#>', '<=>', '<+>']) op,
       (VALUES ('q1', '[0.5,-0.2,1.1,0.3,2.2,-0.7,0.9,1.4]'), ('q2', '[3,-3,3,-3,3,-3,3,-3]'), ('q3', '[-1,0.5,-2,1.5,-0.5,2,-1,1]')) q(qn, q);
\ir compute_answers.sql

-- Indexes: every hnsw and ivfflat operator class with pgvector's options, an expression index, btree indexes.
CREATE INDEX items_hnsw_l2 ON items USING hnsw (embedding vector_l2_ops) WITH (m = 8, ef_construction = 32);
CREATE INDEX items_hnsw_ip ON items USING hnsw (embedding vector_ip_ops);
CREATE INDEX items_hnsw_cosine ON items USING hnsw (embedding vector_cosine_ops);
CREATE INDEX items_hnsw_l1 ON items USING hnsw (embedding vector_l1_ops) WITH (m = 12);
CREATE INDEX items_ivfflat_l2 ON items USING ivfflat (embedding vector_l2_ops) WITH (lists = 4);
CREATE INDEX items_ivfflat_ip ON items USING ivfflat (embedding vector_ip_ops) WITH (lists = 3);
CREATE INDEX items_ivfflat_cosine ON items USING ivfflat (embedding vector_cosine_ops) WITH (lists = 5);
CREATE INDEX items_hnsw_prefix ON items USING hnsw ((subvector(embedding, 1, 4)::vector(4)) vector_l2_ops);
CREATE INDEX items_btree ON items (embedding);
CREATE INDEX items_category ON items (category);
ANALYZE;
