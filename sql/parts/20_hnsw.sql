-- HNSW index access method and its operator classes (pgvector-compatible names).
CREATE FUNCTION hnswhandler(internal) RETURNS index_am_handler
  AS 'MODULE_PATHNAME', 'vx_hnsw_handler' LANGUAGE C;
CREATE ACCESS METHOD hnsw TYPE INDEX HANDLER hnswhandler;
COMMENT ON ACCESS METHOD hnsw IS 'hnsw index access method';

-- Support function 3 of every operator class is the type-and-metric contract (<type>_<metric>_index_support, the same
-- functions as ivfflat's and ivf's, src/pg/ann/ann_contract.h): the index reads its column through it.

-- No DEFAULT operator class for hnsw, as in pgvector: a default would let pg_dump write `USING hnsw (col)`, which a
-- pgvector database refuses on restore (docs/clients.md). ivfflat's vector_l2_ops is the default in both.
CREATE OPERATOR CLASS vector_l2_ops
  FOR TYPE vector USING hnsw AS
  OPERATOR 1 <-> (vector, vector) FOR ORDER BY float_ops,
  FUNCTION 1 vector_l2_squared_distance(vector, vector),
  FUNCTION 3 vector_l2_index_support(internal);

CREATE OPERATOR CLASS vector_ip_ops
  FOR TYPE vector USING hnsw AS
  OPERATOR 1 <#> (vector, vector) FOR ORDER BY float_ops,
  FUNCTION 1 vector_negative_inner_product(vector, vector),
  FUNCTION 3 vector_ip_index_support(internal);

CREATE OPERATOR CLASS vector_cosine_ops
  FOR TYPE vector USING hnsw AS
  OPERATOR 1 <=> (vector, vector) FOR ORDER BY float_ops,
  FUNCTION 1 vector_negative_inner_product(vector, vector),
  FUNCTION 2 vector_norm(vector),
  FUNCTION 3 vector_cosine_index_support(internal);

CREATE OPERATOR CLASS vector_l1_ops
  FOR TYPE vector USING hnsw AS
  OPERATOR 1 <+> (vector, vector) FOR ORDER BY float_ops,
  FUNCTION 1 l1_distance(vector, vector),
  FUNCTION 3 vector_l1_index_support(internal);

-- Internal: the planner puts this in front of an index scan's recomputation of its ORDER BY distance
-- (COALESCE(vector_index_order_value(ctid, index, function, query), col <op> query)); it returns the exact value
-- the scan computed for that very row, or NULL. See docs/hnsw.md "ORDER BY values from the index".
CREATE FUNCTION vector_index_order_value(tid, regclass, regprocedure, vector) RETURNS float8
  AS 'MODULE_PATHNAME', 'vx_index_order_value' LANGUAGE C STABLE STRICT PARALLEL SAFE;
-- Explicitly, in case default privileges revoke EXECUTE on new functions: plans of every role call it (a role without
-- EXECUTE gets plans without it, see src/pg/order_value/order_value_planner.cpp).
GRANT EXECUTE ON FUNCTION vector_index_order_value(tid, regclass, regprocedure, vector) TO PUBLIC;

-- Filter columns: `USING hnsw (embedding vector_cosine_ops, category)` stores the integer columns after the vector in
-- every element's record, and a scan evaluates =, <, <=, >, >= and = ANY(array) on them during the walk
-- (src/pg/hnsw/hnsw_filter.h, docs/tuning.md "Filtered search"). These classes are DEFAULT so the filter columns need
-- no class name (pgvector has no multi-column hnsw index, so no dump of such an index restores there either way).
-- One family for the three types, with the cross-type operators, as btree's integer_ops.
CREATE OPERATOR FAMILY integer_ops USING hnsw;
CREATE OPERATOR CLASS int2_ops DEFAULT FOR TYPE int2 USING hnsw FAMILY integer_ops AS
  OPERATOR 1 < (int2, int2), OPERATOR 2 <= (int2, int2), OPERATOR 3 = (int2, int2),
  OPERATOR 4 >= (int2, int2), OPERATOR 5 > (int2, int2);
CREATE OPERATOR CLASS int4_ops DEFAULT FOR TYPE int4 USING hnsw FAMILY integer_ops AS
  OPERATOR 1 < (int4, int4), OPERATOR 2 <= (int4, int4), OPERATOR 3 = (int4, int4),
  OPERATOR 4 >= (int4, int4), OPERATOR 5 > (int4, int4);
CREATE OPERATOR CLASS int8_ops DEFAULT FOR TYPE int8 USING hnsw FAMILY integer_ops AS
  OPERATOR 1 < (int8, int8), OPERATOR 2 <= (int8, int8), OPERATOR 3 = (int8, int8),
  OPERATOR 4 >= (int8, int8), OPERATOR 5 > (int8, int8);
ALTER OPERATOR FAMILY integer_ops USING hnsw ADD
  OPERATOR 1 < (int2, int4), OPERATOR 2 <= (int2, int4), OPERATOR 3 = (int2, int4),
  OPERATOR 4 >= (int2, int4), OPERATOR 5 > (int2, int4),
  OPERATOR 1 < (int2, int8), OPERATOR 2 <= (int2, int8), OPERATOR 3 = (int2, int8),
  OPERATOR 4 >= (int2, int8), OPERATOR 5 > (int2, int8),
  OPERATOR 1 < (int4, int2), OPERATOR 2 <= (int4, int2), OPERATOR 3 = (int4, int2),
  OPERATOR 4 >= (int4, int2), OPERATOR 5 > (int4, int2),
  OPERATOR 1 < (int4, int8), OPERATOR 2 <= (int4, int8), OPERATOR 3 = (int4, int8),
  OPERATOR 4 >= (int4, int8), OPERATOR 5 > (int4, int8),
  OPERATOR 1 < (int8, int2), OPERATOR 2 <= (int8, int2), OPERATOR 3 = (int8, int2),
  OPERATOR 4 >= (int8, int2), OPERATOR 5 > (int8, int2),
  OPERATOR 1 < (int8, int4), OPERATOR 2 <= (int8, int4), OPERATOR 3 = (int8, int4),
  OPERATOR 4 >= (int8, int4), OPERATOR 5 > (int8, int4);
