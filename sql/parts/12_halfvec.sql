-- The halfvec type (pgvector's half-precision vector, 1..16000 dimensions): I/O, functions, operators, the btree
-- operator class, aggregates and casts, with pgvector's names, signatures and attributes. Index operator classes
-- for hnsw / ivfflat / ivf come with the index type-and-metric contract.
CREATE TYPE halfvec;

CREATE FUNCTION halfvec_in(cstring, oid, integer) RETURNS halfvec
  AS 'MODULE_PATHNAME', 'vx_halfvec_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION halfvec_out(halfvec) RETURNS cstring
  AS 'MODULE_PATHNAME', 'vx_halfvec_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION halfvec_typmod_in(cstring[]) RETURNS integer
  AS 'MODULE_PATHNAME', 'vx_halfvec_typmod_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION halfvec_recv(internal, oid, integer) RETURNS halfvec
  AS 'MODULE_PATHNAME', 'vx_halfvec_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION halfvec_send(halfvec) RETURNS bytea
  AS 'MODULE_PATHNAME', 'vx_halfvec_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- STORAGE main like vector (docs/reference/halfvec.md): inline up to ~4,000 dimensions.
CREATE TYPE halfvec (
  INPUT     = halfvec_in,
  OUTPUT    = halfvec_out,
  TYPMOD_IN = halfvec_typmod_in,
  RECEIVE   = halfvec_recv,
  SEND      = halfvec_send,
  STORAGE   = main
);

-- distances
CREATE FUNCTION l2_distance(halfvec, halfvec) RETURNS float8
  AS 'MODULE_PATHNAME', 'vx_halfvec_l2_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION inner_product(halfvec, halfvec) RETURNS float8
  AS 'MODULE_PATHNAME', 'vx_halfvec_inner_product' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cosine_distance(halfvec, halfvec) RETURNS float8
  AS 'MODULE_PATHNAME', 'vx_halfvec_cosine_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION l1_distance(halfvec, halfvec) RETURNS float8
  AS 'MODULE_PATHNAME', 'vx_halfvec_l1_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
-- support functions of the index operator classes
CREATE FUNCTION halfvec_l2_squared_distance(halfvec, halfvec) RETURNS float8
  AS 'MODULE_PATHNAME', 'vx_halfvec_l2_squared_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION halfvec_negative_inner_product(halfvec, halfvec) RETURNS float8
  AS 'MODULE_PATHNAME', 'vx_halfvec_negative_inner_product' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION halfvec_spherical_distance(halfvec, halfvec) RETURNS float8
  AS 'MODULE_PATHNAME', 'vx_halfvec_spherical_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- scalar functions
CREATE FUNCTION vector_dims(halfvec) RETURNS integer
  AS 'MODULE_PATHNAME', 'vx_halfvec_vector_dims' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION l2_norm(halfvec) RETURNS float8
  AS 'MODULE_PATHNAME', 'vx_halfvec_l2_norm' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION l2_normalize(halfvec) RETURNS halfvec
  AS 'MODULE_PATHNAME', 'vx_halfvec_l2_normalize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION binary_quantize(halfvec) RETURNS bit
  AS 'MODULE_PATHNAME', 'vx_halfvec_binary_quantize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION subvector(halfvec, integer, integer) RETURNS halfvec
  AS 'MODULE_PATHNAME', 'vx_halfvec_subvector' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- arithmetic
CREATE FUNCTION halfvec_add(halfvec, halfvec) RETURNS halfvec
  AS 'MODULE_PATHNAME', 'vx_halfvec_add' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION halfvec_sub(halfvec, halfvec) RETURNS halfvec
  AS 'MODULE_PATHNAME', 'vx_halfvec_sub' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION halfvec_mul(halfvec, halfvec) RETURNS halfvec
  AS 'MODULE_PATHNAME', 'vx_halfvec_mul' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION halfvec_concat(halfvec, halfvec) RETURNS halfvec
  AS 'MODULE_PATHNAME', 'vx_halfvec_concat' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- comparison
CREATE FUNCTION halfvec_lt(halfvec, halfvec) RETURNS bool
  AS 'MODULE_PATHNAME', 'vx_halfvec_lt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION halfvec_le(halfvec, halfvec) RETURNS bool
  AS 'MODULE_PATHNAME', 'vx_halfvec_le' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION halfvec_eq(halfvec, halfvec) RETURNS bool
  AS 'MODULE_PATHNAME', 'vx_halfvec_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION halfvec_ne(halfvec, halfvec) RETURNS bool
  AS 'MODULE_PATHNAME', 'vx_halfvec_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION halfvec_ge(halfvec, halfvec) RETURNS bool
  AS 'MODULE_PATHNAME', 'vx_halfvec_ge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION halfvec_gt(halfvec, halfvec) RETURNS bool
  AS 'MODULE_PATHNAME', 'vx_halfvec_gt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION halfvec_cmp(halfvec, halfvec) RETURNS integer
  AS 'MODULE_PATHNAME', 'vx_halfvec_cmp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- aggregates: avg keeps {count, sums...} in float8 (the state of avg(vector); vector_combine merges it)
CREATE FUNCTION halfvec_accum(double precision[], halfvec) RETURNS double precision[]
  AS 'MODULE_PATHNAME', 'vx_halfvec_accum' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION halfvec_avg(double precision[]) RETURNS halfvec
  AS 'MODULE_PATHNAME', 'vx_halfvec_avg' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION halfvec_combine(double precision[], double precision[]) RETURNS double precision[]
  AS 'MODULE_PATHNAME', 'vx_vector_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE AGGREGATE avg(halfvec) (
  SFUNC = halfvec_accum,
  STYPE = double precision[],
  FINALFUNC = halfvec_avg,
  COMBINEFUNC = halfvec_combine,
  INITCOND = '{0}',
  PARALLEL = SAFE
);

CREATE AGGREGATE sum(halfvec) (
  SFUNC = halfvec_add,
  STYPE = halfvec,
  COMBINEFUNC = halfvec_add,
  PARALLEL = SAFE
);

-- casts (the third argument of a cast function is the "explicit" flag Postgres passes; unused)
CREATE FUNCTION halfvec(halfvec, integer, boolean) RETURNS halfvec
  AS 'MODULE_PATHNAME', 'vx_halfvec_typmod_cast' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION halfvec_to_vector(halfvec, integer, boolean) RETURNS vector
  AS 'MODULE_PATHNAME', 'vx_halfvec_to_vector' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION vector_to_halfvec(vector, integer, boolean) RETURNS halfvec
  AS 'MODULE_PATHNAME', 'vx_vector_to_halfvec' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION array_to_halfvec(integer[], integer, boolean) RETURNS halfvec
  AS 'MODULE_PATHNAME', 'vx_array_to_halfvec' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION array_to_halfvec(real[], integer, boolean) RETURNS halfvec
  AS 'MODULE_PATHNAME', 'vx_array_to_halfvec' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION array_to_halfvec(double precision[], integer, boolean) RETURNS halfvec
  AS 'MODULE_PATHNAME', 'vx_array_to_halfvec' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION array_to_halfvec(numeric[], integer, boolean) RETURNS halfvec
  AS 'MODULE_PATHNAME', 'vx_array_to_halfvec' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION halfvec_to_float4(halfvec, integer, boolean) RETURNS real[]
  AS 'MODULE_PATHNAME', 'vx_halfvec_to_float4' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE CAST (halfvec AS halfvec) WITH FUNCTION halfvec(halfvec, integer, boolean) AS IMPLICIT;
CREATE CAST (halfvec AS vector) WITH FUNCTION halfvec_to_vector(halfvec, integer, boolean) AS ASSIGNMENT;
CREATE CAST (vector AS halfvec) WITH FUNCTION vector_to_halfvec(vector, integer, boolean) AS IMPLICIT;
CREATE CAST (halfvec AS real[]) WITH FUNCTION halfvec_to_float4(halfvec, integer, boolean) AS ASSIGNMENT;
CREATE CAST (integer[] AS halfvec) WITH FUNCTION array_to_halfvec(integer[], integer, boolean) AS ASSIGNMENT;
CREATE CAST (real[] AS halfvec) WITH FUNCTION array_to_halfvec(real[], integer, boolean) AS ASSIGNMENT;
CREATE CAST (double precision[] AS halfvec)
  WITH FUNCTION array_to_halfvec(double precision[], integer, boolean) AS ASSIGNMENT;
CREATE CAST (numeric[] AS halfvec) WITH FUNCTION array_to_halfvec(numeric[], integer, boolean) AS ASSIGNMENT;

-- operators
CREATE OPERATOR <-> (
  LEFTARG = halfvec, RIGHTARG = halfvec, PROCEDURE = l2_distance, COMMUTATOR = '<->'
);
CREATE OPERATOR <#> (
  LEFTARG = halfvec, RIGHTARG = halfvec, PROCEDURE = halfvec_negative_inner_product, COMMUTATOR = '<#>'
);
CREATE OPERATOR <=> (
  LEFTARG = halfvec, RIGHTARG = halfvec, PROCEDURE = cosine_distance, COMMUTATOR = '<=>'
);
CREATE OPERATOR <+> (
  LEFTARG = halfvec, RIGHTARG = halfvec, PROCEDURE = l1_distance, COMMUTATOR = '<+>'
);

CREATE OPERATOR + (LEFTARG = halfvec, RIGHTARG = halfvec, PROCEDURE = halfvec_add, COMMUTATOR = +);
CREATE OPERATOR - (LEFTARG = halfvec, RIGHTARG = halfvec, PROCEDURE = halfvec_sub);
CREATE OPERATOR * (LEFTARG = halfvec, RIGHTARG = halfvec, PROCEDURE = halfvec_mul, COMMUTATOR = *);
CREATE OPERATOR || (LEFTARG = halfvec, RIGHTARG = halfvec, PROCEDURE = halfvec_concat);

-- as vector's: `=` merge-joinable, `<>` estimated with neqsel (pgvector declares eqsel, a typo)
CREATE OPERATOR < (
  LEFTARG = halfvec, RIGHTARG = halfvec, PROCEDURE = halfvec_lt,
  COMMUTATOR = > , NEGATOR = >= , RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);
CREATE OPERATOR <= (
  LEFTARG = halfvec, RIGHTARG = halfvec, PROCEDURE = halfvec_le,
  COMMUTATOR = >= , NEGATOR = > , RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);
CREATE OPERATOR = (
  LEFTARG = halfvec, RIGHTARG = halfvec, PROCEDURE = halfvec_eq,
  COMMUTATOR = = , NEGATOR = <> , RESTRICT = eqsel, JOIN = eqjoinsel, MERGES
);
CREATE OPERATOR <> (
  LEFTARG = halfvec, RIGHTARG = halfvec, PROCEDURE = halfvec_ne,
  COMMUTATOR = <> , NEGATOR = = , RESTRICT = neqsel, JOIN = neqjoinsel
);
CREATE OPERATOR >= (
  LEFTARG = halfvec, RIGHTARG = halfvec, PROCEDURE = halfvec_ge,
  COMMUTATOR = <= , NEGATOR = < , RESTRICT = scalargesel, JOIN = scalargejoinsel
);
CREATE OPERATOR > (
  LEFTARG = halfvec, RIGHTARG = halfvec, PROCEDURE = halfvec_gt,
  COMMUTATOR = < , NEGATOR = <= , RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);

-- support function 3 of halfvec's index operator classes: the type-and-metric contract (src/pg/ann/ann_contract.h,
-- src/pg/type/halfvec_index_support.cpp); the operator classes are with their access methods (32_ivf_types.sql)
CREATE FUNCTION halfvec_l2_index_support(internal) RETURNS internal
  AS 'MODULE_PATHNAME', 'vx_halfvec_l2_index_support' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION halfvec_ip_index_support(internal) RETURNS internal
  AS 'MODULE_PATHNAME', 'vx_halfvec_ip_index_support' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION halfvec_cosine_index_support(internal) RETURNS internal
  AS 'MODULE_PATHNAME', 'vx_halfvec_cosine_index_support' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
-- for hnsw's halfvec_l1_ops (IVF ranks by l2 and inner product only)
CREATE FUNCTION halfvec_l1_index_support(internal) RETURNS internal
  AS 'MODULE_PATHNAME', 'vx_halfvec_l1_index_support' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OPERATOR CLASS halfvec_ops
  DEFAULT FOR TYPE halfvec USING btree AS
  OPERATOR 1 < ,
  OPERATOR 2 <= ,
  OPERATOR 3 = ,
  OPERATOR 4 >= ,
  OPERATOR 5 > ,
  FUNCTION 1 halfvec_cmp(halfvec, halfvec);
