-- The vector type: I/O, typmod, and the length-coercion cast (pgvector-compatible names and signatures).
CREATE TYPE vector;

CREATE FUNCTION vector_in(cstring, oid, integer) RETURNS vector
  AS 'MODULE_PATHNAME', 'vx_vector_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION vector_out(vector) RETURNS cstring
  AS 'MODULE_PATHNAME', 'vx_vector_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION vector_typmod_in(cstring[]) RETURNS integer
  AS 'MODULE_PATHNAME', 'vx_vector_typmod_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION vector_recv(internal, oid, integer) RETURNS vector
  AS 'MODULE_PATHNAME', 'vx_vector_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION vector_send(vector) RETURNS bytea
  AS 'MODULE_PATHNAME', 'vx_vector_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE vector (
  INPUT     = vector_in,
  OUTPUT    = vector_out,
  TYPMOD_IN = vector_typmod_in,
  RECEIVE   = vector_recv,
  SEND      = vector_send,
  STORAGE   = main
);

CREATE FUNCTION vector(vector, integer, boolean) RETURNS vector
  AS 'MODULE_PATHNAME', 'vx_vector_typmod_cast' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE CAST (vector AS vector) WITH FUNCTION vector(vector, integer, boolean) AS IMPLICIT;
