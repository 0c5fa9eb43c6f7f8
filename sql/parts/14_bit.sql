-- pgvector's distance functions and operators on Postgres' `bit` type (binary quantization): Hamming (<~>) and
-- Jaccard (<%>). Index operator classes: ivfflat / ivf bit_hamming_ops (32_ivf_types.sql), hnsw bit_hamming_ops and
-- bit_jaccard_ops (21_hnsw_types.sql).
CREATE FUNCTION hamming_distance(bit, bit) RETURNS float8
  AS 'MODULE_PATHNAME', 'vx_hamming_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION jaccard_distance(bit, bit) RETURNS float8
  AS 'MODULE_PATHNAME', 'vx_jaccard_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OPERATOR <~> (
  LEFTARG = bit, RIGHTARG = bit, PROCEDURE = hamming_distance, COMMUTATOR = '<~>'
);
CREATE OPERATOR <%> (
  LEFTARG = bit, RIGHTARG = bit, PROCEDURE = jaccard_distance, COMMUTATOR = '<%>'
);

-- support function 3 of bit_hamming_ops: the type-and-metric contract (src/pg/ann/ann_contract.h,
-- src/pg/type/bit_index_support.cpp)
CREATE FUNCTION bit_hamming_index_support(internal) RETURNS internal
  AS 'MODULE_PATHNAME', 'vx_bit_hamming_index_support' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
-- hnsw's: the index keeps the bits themselves (src/pg/type/bit_index_support.cpp)
CREATE FUNCTION bit_hamming_bytes_index_support(internal) RETURNS internal
  AS 'MODULE_PATHNAME', 'vx_bit_hamming_bytes_index_support' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION bit_jaccard_bytes_index_support(internal) RETURNS internal
  AS 'MODULE_PATHNAME', 'vx_bit_jaccard_bytes_index_support' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
