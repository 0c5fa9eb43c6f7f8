-- The sparsevec type (pgvector's sparse vector: up to 1,000,000,000 dimensions, 16,000 nonzero elements): I/O,
-- functions, operators, the btree operator class and casts, with pgvector's names, signatures and attributes. Index
-- operator classes for hnsw come with the index type-and-metric contract.
CREATE TYPE sparsevec;

CREATE FUNCTION sparsevec_in(cstring, oid, integer) RETURNS sparsevec
  AS 'MODULE_PATHNAME', 'vx_sparsevec_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION sparsevec_out(sparsevec) RETURNS cstring
  AS 'MODULE_PATHNAME', 'vx_sparsevec_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION sparsevec_typmod_in(cstring[]) RETURNS integer
  AS 'MODULE_PATHNAME', 'vx_sparsevec_typmod_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION sparsevec_recv(internal, oid, integer) RETURNS sparsevec
  AS 'MODULE_PATHNAME', 'vx_sparsevec_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION sparsevec_send(sparsevec) RETURNS bytea
  AS 'MODULE_PATHNAME', 'vx_sparsevec_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- STORAGE main like vector (docs/reference/sparsevec.md): inline up to ~1,000 nonzero elements.
CREATE TYPE sparsevec (
  INPUT     = sparsevec_in,
  OUTPUT    = sparsevec_out,
  TYPMOD_IN = sparsevec_typmod_in,
  RECEIVE   = sparsevec_recv,
  SEND      = sparsevec_send,
  STORAGE   = main
);

-- distances
CREATE FUNCTION l2_distance(sparsevec, sparsevec) RETURNS float8
  AS 'MODULE_PATHNAME', 'vx_sparsevec_l2_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION inner_product(sparsevec, sparsevec) RETURNS float8
  AS 'MODULE_PATHNAME', 'vx_sparsevec_inner_product' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cosine_distance(sparsevec, sparsevec) RETURNS float8
  AS 'MODULE_PATHNAME', 'vx_sparsevec_cosine_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION l1_distance(sparsevec, sparsevec) RETURNS float8
  AS 'MODULE_PATHNAME', 'vx_sparsevec_l1_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
-- support functions of the index operator classes
CREATE FUNCTION sparsevec_l2_squared_distance(sparsevec, sparsevec) RETURNS float8
  AS 'MODULE_PATHNAME', 'vx_sparsevec_l2_squared_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION sparsevec_negative_inner_product(sparsevec, sparsevec) RETURNS float8
  AS 'MODULE_PATHNAME', 'vx_sparsevec_negative_inner_product' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- scalar functions
CREATE FUNCTION l2_norm(sparsevec) RETURNS float8
  AS 'MODULE_PATHNAME', 'vx_sparsevec_l2_norm' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION l2_normalize(sparsevec) RETURNS sparsevec
  AS 'MODULE_PATHNAME', 'vx_sparsevec_l2_normalize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- comparison
CREATE FUNCTION sparsevec_lt(sparsevec, sparsevec) RETURNS bool
  AS 'MODULE_PATHNAME', 'vx_sparsevec_lt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION sparsevec_le(sparsevec, sparsevec) RETURNS bool
  AS 'MODULE_PATHNAME', 'vx_sparsevec_le' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION sparsevec_eq(sparsevec, sparsevec) RETURNS bool
  AS 'MODULE_PATHNAME', 'vx_sparsevec_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION sparsevec_ne(sparsevec, sparsevec) RETURNS bool
  AS 'MODULE_PATHNAME', 'vx_sparsevec_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION sparsevec_ge(sparsevec, sparsevec) RETURNS bool
  AS 'MODULE_PATHNAME', 'vx_sparsevec_ge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION sparsevec_gt(sparsevec, sparsevec) RETURNS bool
  AS 'MODULE_PATHNAME', 'vx_sparsevec_gt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION sparsevec_cmp(sparsevec, sparsevec) RETURNS integer
  AS 'MODULE_PATHNAME', 'vx_sparsevec_cmp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- casts (the third argument of a cast function is the "explicit" flag Postgres passes; unused)
CREATE FUNCTION sparsevec(sparsevec, integer, boolean) RETURNS sparsevec
  AS 'MODULE_PATHNAME', 'vx_sparsevec_typmod_cast' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION vector_to_sparsevec(vector, integer, boolean) RETURNS sparsevec
  AS 'MODULE_PATHNAME', 'vx_vector_to_sparsevec' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION sparsevec_to_vector(sparsevec, integer, boolean) RETURNS vector
  AS 'MODULE_PATHNAME', 'vx_sparsevec_to_vector' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION halfvec_to_sparsevec(halfvec, integer, boolean) RETURNS sparsevec
  AS 'MODULE_PATHNAME', 'vx_halfvec_to_sparsevec' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION sparsevec_to_halfvec(sparsevec, integer, boolean) RETURNS halfvec
  AS 'MODULE_PATHNAME', 'vx_sparsevec_to_halfvec' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION array_to_sparsevec(integer[], integer, boolean) RETURNS sparsevec
  AS 'MODULE_PATHNAME', 'vx_array_to_sparsevec' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION array_to_sparsevec(real[], integer, boolean) RETURNS sparsevec
  AS 'MODULE_PATHNAME', 'vx_array_to_sparsevec' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION array_to_sparsevec(double precision[], integer, boolean) RETURNS sparsevec
  AS 'MODULE_PATHNAME', 'vx_array_to_sparsevec' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION array_to_sparsevec(numeric[], integer, boolean) RETURNS sparsevec
  AS 'MODULE_PATHNAME', 'vx_array_to_sparsevec' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE CAST (sparsevec AS sparsevec) WITH FUNCTION sparsevec(sparsevec, integer, boolean) AS IMPLICIT;
CREATE CAST (sparsevec AS vector) WITH FUNCTION sparsevec_to_vector(sparsevec, integer, boolean) AS ASSIGNMENT;
CREATE CAST (vector AS sparsevec) WITH FUNCTION vector_to_sparsevec(vector, integer, boolean) AS IMPLICIT;
CREATE CAST (sparsevec AS halfvec) WITH FUNCTION sparsevec_to_halfvec(sparsevec, integer, boolean) AS ASSIGNMENT;
CREATE CAST (halfvec AS sparsevec) WITH FUNCTION halfvec_to_sparsevec(halfvec, integer, boolean) AS IMPLICIT;
CREATE CAST (integer[] AS sparsevec) WITH FUNCTION array_to_sparsevec(integer[], integer, boolean) AS ASSIGNMENT;
CREATE CAST (real[] AS sparsevec) WITH FUNCTION array_to_sparsevec(real[], integer, boolean) AS ASSIGNMENT;
CREATE CAST (double precision[] AS sparsevec)
  WITH FUNCTION array_to_sparsevec(double precision[], integer, boolean) AS ASSIGNMENT;
CREATE CAST (numeric[] AS sparsevec) WITH FUNCTION array_to_sparsevec(numeric[], integer, boolean) AS ASSIGNMENT;

-- operators
CREATE OPERATOR <-> (
  LEFTARG = sparsevec, RIGHTARG = sparsevec, PROCEDURE = l2_distance, COMMUTATOR = '<->'
);
CREATE OPERATOR <#> (
  LEFTARG = sparsevec, RIGHTARG = sparsevec, PROCEDURE = sparsevec_negative_inner_product, COMMUTATOR = '<#>'
);
CREATE OPERATOR <=> (
  LEFTARG = sparsevec, RIGHTARG = sparsevec, PROCEDURE = cosine_distance, COMMUTATOR = '<=>'
);
CREATE OPERATOR <+> (
  LEFTARG = sparsevec, RIGHTARG = sparsevec, PROCEDURE = l1_distance, COMMUTATOR = '<+>'
);

-- as vector's: `=` merge-joinable, `<>` estimated with neqsel (pgvector declares eqsel)
CREATE OPERATOR < (
  LEFTARG = sparsevec, RIGHTARG = sparsevec, PROCEDURE = sparsevec_lt,
  COMMUTATOR = > , NEGATOR = >= , RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);
CREATE OPERATOR <= (
  LEFTARG = sparsevec, RIGHTARG = sparsevec, PROCEDURE = sparsevec_le,
  COMMUTATOR = >= , NEGATOR = > , RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);
CREATE OPERATOR = (
  LEFTARG = sparsevec, RIGHTARG = sparsevec, PROCEDURE = sparsevec_eq,
  COMMUTATOR = = , NEGATOR = <> , RESTRICT = eqsel, JOIN = eqjoinsel, MERGES
);
CREATE OPERATOR <> (
  LEFTARG = sparsevec, RIGHTARG = sparsevec, PROCEDURE = sparsevec_ne,
  COMMUTATOR = <> , NEGATOR = = , RESTRICT = neqsel, JOIN = neqjoinsel
);
CREATE OPERATOR >= (
  LEFTARG = sparsevec, RIGHTARG = sparsevec, PROCEDURE = sparsevec_ge,
  COMMUTATOR = <= , NEGATOR = < , RESTRICT = scalargesel, JOIN = scalargejoinsel
);
CREATE OPERATOR > (
  LEFTARG = sparsevec, RIGHTARG = sparsevec, PROCEDURE = sparsevec_gt,
  COMMUTATOR = < , NEGATOR = <= , RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);

CREATE OPERATOR CLASS sparsevec_ops
  DEFAULT FOR TYPE sparsevec USING btree AS
  OPERATOR 1 < ,
  OPERATOR 2 <= ,
  OPERATOR 3 = ,
  OPERATOR 4 >= ,
  OPERATOR 5 > ,
  FUNCTION 1 sparsevec_cmp(sparsevec, sparsevec);

-- support function 3 of sparsevec's hnsw operator classes: the type-and-metric contract (src/pg/ann/ann_contract.h,
-- src/pg/type/sparsevec_index_support.cpp: the index keeps the nonzeros); the operator classes are in 21_hnsw_types.sql
CREATE FUNCTION sparsevec_l2_index_support(internal) RETURNS internal
  AS 'MODULE_PATHNAME', 'vx_sparsevec_l2_index_support' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION sparsevec_ip_index_support(internal) RETURNS internal
  AS 'MODULE_PATHNAME', 'vx_sparsevec_ip_index_support' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION sparsevec_cosine_index_support(internal) RETURNS internal
  AS 'MODULE_PATHNAME', 'vx_sparsevec_cosine_index_support' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION sparsevec_l1_index_support(internal) RETURNS internal
  AS 'MODULE_PATHNAME', 'vx_sparsevec_l1_index_support' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
