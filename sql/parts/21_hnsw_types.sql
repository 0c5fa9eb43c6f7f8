-- hnsw operator classes of the other vector types, with pgvector's names, operators and support functions: halfvec
-- (l2, ip, cosine, l1), bit (Hamming, Jaccard) and sparsevec (l2, ip, cosine, l1). As for vector (20_hnsw.sql):
-- support function 1 is the distance, 2 the norm (cosine), 3 the type-and-metric contract the index reads the column
-- by (src/pg/ann/ann_contract.h); bit's and sparsevec's contracts keep the values' own bytes (bit_*_bytes_index_support,
-- src/pg/type/bit_index_support.cpp; sparsevec_*_index_support, src/pg/type/sparsevec_index_support.cpp).
CREATE OPERATOR CLASS halfvec_l2_ops FOR TYPE halfvec USING hnsw AS
  OPERATOR 1 <-> (halfvec, halfvec) FOR ORDER BY float_ops,
  FUNCTION 1 halfvec_l2_squared_distance(halfvec, halfvec),
  FUNCTION 3 halfvec_l2_index_support(internal);
CREATE OPERATOR CLASS halfvec_ip_ops FOR TYPE halfvec USING hnsw AS
  OPERATOR 1 <#> (halfvec, halfvec) FOR ORDER BY float_ops,
  FUNCTION 1 halfvec_negative_inner_product(halfvec, halfvec),
  FUNCTION 3 halfvec_ip_index_support(internal);
CREATE OPERATOR CLASS halfvec_cosine_ops FOR TYPE halfvec USING hnsw AS
  OPERATOR 1 <=> (halfvec, halfvec) FOR ORDER BY float_ops,
  FUNCTION 1 halfvec_negative_inner_product(halfvec, halfvec),
  FUNCTION 2 l2_norm(halfvec),
  FUNCTION 3 halfvec_cosine_index_support(internal);
CREATE OPERATOR CLASS halfvec_l1_ops FOR TYPE halfvec USING hnsw AS
  OPERATOR 1 <+> (halfvec, halfvec) FOR ORDER BY float_ops,
  FUNCTION 1 l1_distance(halfvec, halfvec),
  FUNCTION 3 halfvec_l1_index_support(internal);
CREATE OPERATOR CLASS bit_hamming_ops FOR TYPE bit USING hnsw AS
  OPERATOR 1 <~> (bit, bit) FOR ORDER BY float_ops,
  FUNCTION 1 hamming_distance(bit, bit),
  FUNCTION 3 bit_hamming_bytes_index_support(internal);
CREATE OPERATOR CLASS bit_jaccard_ops FOR TYPE bit USING hnsw AS
  OPERATOR 1 <%> (bit, bit) FOR ORDER BY float_ops,
  FUNCTION 1 jaccard_distance(bit, bit),
  FUNCTION 3 bit_jaccard_bytes_index_support(internal);
CREATE OPERATOR CLASS sparsevec_l2_ops FOR TYPE sparsevec USING hnsw AS
  OPERATOR 1 <-> (sparsevec, sparsevec) FOR ORDER BY float_ops,
  FUNCTION 1 sparsevec_l2_squared_distance(sparsevec, sparsevec),
  FUNCTION 3 sparsevec_l2_index_support(internal);
CREATE OPERATOR CLASS sparsevec_ip_ops FOR TYPE sparsevec USING hnsw AS
  OPERATOR 1 <#> (sparsevec, sparsevec) FOR ORDER BY float_ops,
  FUNCTION 1 sparsevec_negative_inner_product(sparsevec, sparsevec),
  FUNCTION 3 sparsevec_ip_index_support(internal);
CREATE OPERATOR CLASS sparsevec_cosine_ops FOR TYPE sparsevec USING hnsw AS
  OPERATOR 1 <=> (sparsevec, sparsevec) FOR ORDER BY float_ops,
  FUNCTION 1 sparsevec_negative_inner_product(sparsevec, sparsevec),
  FUNCTION 2 l2_norm(sparsevec),
  FUNCTION 3 sparsevec_cosine_index_support(internal);
CREATE OPERATOR CLASS sparsevec_l1_ops FOR TYPE sparsevec USING hnsw AS
  OPERATOR 1 <+> (sparsevec, sparsevec) FOR ORDER BY float_ops,
  FUNCTION 1 l1_distance(sparsevec, sparsevec),
  FUNCTION 3 sparsevec_l1_index_support(internal);
