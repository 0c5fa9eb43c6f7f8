-- The type-and-metric contract (support function 3, src/pg/ann/ann_contract.h): the IVF access methods learn the metric
-- from it, never from the name of support function 1. An operator class of our own with a differently named distance
-- orders exactly like the shipped one; an operator class without the contract, or with a function that is not one,
-- is refused with a clear error.
CREATE TABLE acx (id int, v vector(3));
INSERT INTO acx SELECT i, ARRAY[sin(i), cos(i * 1.3), (i % 7) - 3]::vector FROM generate_series(1, 300) i;

-- l2 ordered by a distance function that is not vector_l2_squared_distance (before the contract: treated as ip)
CREATE OPERATOR CLASS acx_my_l2_ops FOR TYPE vector USING ivfflat AS
  OPERATOR 1 <-> (vector, vector) FOR ORDER BY float_ops,
  FUNCTION 1 l2_distance(vector, vector),
  FUNCTION 3 vector_l2_index_support(internal);
SELECT amvalidate(oid) FROM pg_opclass WHERE opcname = 'acx_my_l2_ops';
CREATE INDEX acx_mine ON acx USING ivfflat (v acx_my_l2_ops) WITH (lists = 4);
SET enable_seqscan = off;
SET ivfflat.probes = 4;
SELECT (SELECT array_agg(id) FROM (SELECT id FROM acx ORDER BY v <-> '[0.5, 0.5, 1]' LIMIT 10) a) =
       (SELECT array_agg(id) FROM (SELECT id FROM acx ORDER BY v <-> '[0.5, 0.5, 1]', id LIMIT 10) b) AS same_as_exact;
EXPLAIN (COSTS OFF) SELECT id FROM acx ORDER BY v <-> '[0.5, 0.5, 1]' LIMIT 10;
SELECT vectorext.index_check('acx_mine', true) IS NOT NULL AS checked;
DROP INDEX acx_mine;
RESET enable_seqscan;

-- no support function 3: the build names the operator class
CREATE OPERATOR CLASS acx_no_contract_ops FOR TYPE vector USING ivf AS
  OPERATOR 1 <-> (vector, vector) FOR ORDER BY float_ops,
  FUNCTION 1 vector_l2_squared_distance(vector, vector);
CREATE INDEX ON acx USING ivf (v acx_no_contract_ops);

-- support function 3 that is not a contract (a function of internal that returns something else)
CREATE OPERATOR CLASS acx_int_ops FOR TYPE vector USING ivfflat AS
  OPERATOR 1 <-> (vector, vector) FOR ORDER BY float_ops,
  FUNCTION 1 vector_l2_squared_distance(vector, vector),
  FUNCTION 3 hnswhandler(internal);
CREATE INDEX ON acx USING ivfflat (v acx_int_ops);

-- a metric IVF cannot rank with
CREATE OPERATOR CLASS acx_l1_ops FOR TYPE vector USING ivfflat AS
  OPERATOR 1 <+> (vector, vector) FOR ORDER BY float_ops,
  FUNCTION 1 l1_distance(vector, vector),
  FUNCTION 3 vector_l1_index_support(internal);
CREATE INDEX ON acx USING ivfflat (v acx_l1_ops);

DROP TABLE acx;
DROP OPERATOR FAMILY acx_my_l2_ops USING ivfflat;
DROP OPERATOR FAMILY acx_no_contract_ops USING ivf;
DROP OPERATOR FAMILY acx_int_ops USING ivfflat;
DROP OPERATOR FAMILY acx_l1_ops USING ivfflat;
