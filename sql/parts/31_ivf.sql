-- IVF index access methods: ivfflat (pgvector-compatible) and ivf (flat / sq8 / pq codes with re-ranking).
CREATE FUNCTION ivfflathandler(internal) RETURNS index_am_handler
  AS 'MODULE_PATHNAME', 'vx_ivfflathandler' LANGUAGE C;
CREATE ACCESS METHOD ivfflat TYPE INDEX HANDLER ivfflathandler;
COMMENT ON ACCESS METHOD ivfflat IS 'ivfflat index access method';

CREATE FUNCTION ivfhandler(internal) RETURNS index_am_handler
  AS 'MODULE_PATHNAME', 'vx_ivfhandler' LANGUAGE C;
CREATE ACCESS METHOD ivf TYPE INDEX HANDLER ivfhandler;
COMMENT ON ACCESS METHOD ivf IS 'inverted-file index with flat, sq8 or pq codes and exact re-ranking';

-- Support function 3 is the type-and-metric contract (vector_<metric>_index_support, src/pg/ann/ann_contract.h): the
-- access methods learn the metric, the type and how to read it from it alone. Support function 1 is the distance and
-- 2 the norm (cosine), as in pgvector's operator classes; amvalidate checks their signatures.
CREATE OPERATOR CLASS vector_l2_ops DEFAULT FOR TYPE vector USING ivfflat AS
  OPERATOR 1 <-> (vector, vector) FOR ORDER BY float_ops,
  FUNCTION 1 vector_l2_squared_distance(vector, vector),
  FUNCTION 3 vector_l2_index_support(internal);
CREATE OPERATOR CLASS vector_ip_ops FOR TYPE vector USING ivfflat AS
  OPERATOR 1 <#> (vector, vector) FOR ORDER BY float_ops,
  FUNCTION 1 vector_negative_inner_product(vector, vector),
  FUNCTION 3 vector_ip_index_support(internal);
CREATE OPERATOR CLASS vector_cosine_ops FOR TYPE vector USING ivfflat AS
  OPERATOR 1 <=> (vector, vector) FOR ORDER BY float_ops,
  FUNCTION 1 vector_negative_inner_product(vector, vector),
  FUNCTION 2 vector_norm(vector),
  FUNCTION 3 vector_cosine_index_support(internal);

CREATE OPERATOR CLASS vector_l2_ops DEFAULT FOR TYPE vector USING ivf AS
  OPERATOR 1 <-> (vector, vector) FOR ORDER BY float_ops,
  FUNCTION 1 vector_l2_squared_distance(vector, vector),
  FUNCTION 3 vector_l2_index_support(internal);
CREATE OPERATOR CLASS vector_ip_ops FOR TYPE vector USING ivf AS
  OPERATOR 1 <#> (vector, vector) FOR ORDER BY float_ops,
  FUNCTION 1 vector_negative_inner_product(vector, vector),
  FUNCTION 3 vector_ip_index_support(internal);
CREATE OPERATOR CLASS vector_cosine_ops FOR TYPE vector USING ivf AS
  OPERATOR 1 <=> (vector, vector) FOR ORDER BY float_ops,
  FUNCTION 1 vector_negative_inner_product(vector, vector),
  FUNCTION 2 vector_norm(vector),
  FUNCTION 3 vector_cosine_index_support(internal);
