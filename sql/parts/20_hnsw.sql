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
