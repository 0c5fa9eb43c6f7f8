-- pgvector's distance functions and operators on Postgres' `bit` type (binary quantization): Hamming (<~>) and
-- Jaccard (<%>). Index operator classes (bit_hamming_ops, bit_jaccard_ops) come with the index type-and-metric
-- contract.
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
