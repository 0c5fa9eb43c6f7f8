-- IVF index access methods: ivfflat (pgvector-compatible) and ivf (flat / sq8 / pq codes with re-ranking).
CREATE FUNCTION ivfflathandler(internal) RETURNS index_am_handler
  AS 'MODULE_PATHNAME', 'vx_ivfflathandler' LANGUAGE C;
CREATE ACCESS METHOD ivfflat TYPE INDEX HANDLER ivfflathandler;
COMMENT ON ACCESS METHOD ivfflat IS 'ivfflat index access method';

CREATE FUNCTION ivfhandler(internal) RETURNS index_am_handler
  AS 'MODULE_PATHNAME', 'vx_ivfhandler' LANGUAGE C;
CREATE ACCESS METHOD ivf TYPE INDEX HANDLER ivfhandler;
COMMENT ON ACCESS METHOD ivf IS 'inverted-file index with flat, sq8 or pq codes and exact re-ranking';

-- Support function 1 names the distance (l2: vector_l2_squared_distance; ip and cosine:
-- vector_negative_inner_product); support function 2 (vector_norm) marks cosine: vectors are normalised.
CREATE OPERATOR CLASS vector_l2_ops DEFAULT FOR TYPE vector USING ivfflat AS
  OPERATOR 1 <-> (vector, vector) FOR ORDER BY float_ops,
  FUNCTION 1 vector_l2_squared_distance(vector, vector);
CREATE OPERATOR CLASS vector_ip_ops FOR TYPE vector USING ivfflat AS
  OPERATOR 1 <#> (vector, vector) FOR ORDER BY float_ops,
  FUNCTION 1 vector_negative_inner_product(vector, vector);
CREATE OPERATOR CLASS vector_cosine_ops FOR TYPE vector USING ivfflat AS
  OPERATOR 1 <=> (vector, vector) FOR ORDER BY float_ops,
  FUNCTION 1 vector_negative_inner_product(vector, vector),
  FUNCTION 2 vector_norm(vector);

CREATE OPERATOR CLASS vector_l2_ops DEFAULT FOR TYPE vector USING ivf AS
  OPERATOR 1 <-> (vector, vector) FOR ORDER BY float_ops,
  FUNCTION 1 vector_l2_squared_distance(vector, vector);
CREATE OPERATOR CLASS vector_ip_ops FOR TYPE vector USING ivf AS
  OPERATOR 1 <#> (vector, vector) FOR ORDER BY float_ops,
  FUNCTION 1 vector_negative_inner_product(vector, vector);
CREATE OPERATOR CLASS vector_cosine_ops FOR TYPE vector USING ivf AS
  OPERATOR 1 <=> (vector, vector) FOR ORDER BY float_ops,
  FUNCTION 1 vector_negative_inner_product(vector, vector),
  FUNCTION 2 vector_norm(vector);
