-- ivfflat and ivf operator classes of the other vector types, with pgvector's names: halfvec (l2, ip, cosine) and
-- bit (Hamming). As for vector (31_ivf.sql): support function 1 is the distance, 2 the norm (cosine), 3 the
-- type-and-metric contract the access methods read the column by (src/pg/ann/ann_contract.h).
CREATE OPERATOR CLASS halfvec_l2_ops FOR TYPE halfvec USING ivfflat AS
  OPERATOR 1 <-> (halfvec, halfvec) FOR ORDER BY float_ops,
  FUNCTION 1 halfvec_l2_squared_distance(halfvec, halfvec),
  FUNCTION 3 halfvec_l2_index_support(internal);
CREATE OPERATOR CLASS halfvec_ip_ops FOR TYPE halfvec USING ivfflat AS
  OPERATOR 1 <#> (halfvec, halfvec) FOR ORDER BY float_ops,
  FUNCTION 1 halfvec_negative_inner_product(halfvec, halfvec),
  FUNCTION 3 halfvec_ip_index_support(internal);
CREATE OPERATOR CLASS halfvec_cosine_ops FOR TYPE halfvec USING ivfflat AS
  OPERATOR 1 <=> (halfvec, halfvec) FOR ORDER BY float_ops,
  FUNCTION 1 halfvec_negative_inner_product(halfvec, halfvec),
  FUNCTION 2 l2_norm(halfvec),
  FUNCTION 3 halfvec_cosine_index_support(internal);
CREATE OPERATOR CLASS bit_hamming_ops FOR TYPE bit USING ivfflat AS
  OPERATOR 1 <~> (bit, bit) FOR ORDER BY float_ops,
  FUNCTION 1 hamming_distance(bit, bit),
  FUNCTION 3 bit_hamming_index_support(internal);

CREATE OPERATOR CLASS halfvec_l2_ops FOR TYPE halfvec USING ivf AS
  OPERATOR 1 <-> (halfvec, halfvec) FOR ORDER BY float_ops,
  FUNCTION 1 halfvec_l2_squared_distance(halfvec, halfvec),
  FUNCTION 3 halfvec_l2_index_support(internal);
CREATE OPERATOR CLASS halfvec_ip_ops FOR TYPE halfvec USING ivf AS
  OPERATOR 1 <#> (halfvec, halfvec) FOR ORDER BY float_ops,
  FUNCTION 1 halfvec_negative_inner_product(halfvec, halfvec),
  FUNCTION 3 halfvec_ip_index_support(internal);
CREATE OPERATOR CLASS halfvec_cosine_ops FOR TYPE halfvec USING ivf AS
  OPERATOR 1 <=> (halfvec, halfvec) FOR ORDER BY float_ops,
  FUNCTION 1 halfvec_negative_inner_product(halfvec, halfvec),
  FUNCTION 2 l2_norm(halfvec),
  FUNCTION 3 halfvec_cosine_index_support(internal);
CREATE OPERATOR CLASS bit_hamming_ops FOR TYPE bit USING ivf AS
  OPERATOR 1 <~> (bit, bit) FOR ORDER BY float_ops,
  FUNCTION 1 hamming_distance(bit, bit),
  FUNCTION 3 bit_hamming_index_support(internal);
