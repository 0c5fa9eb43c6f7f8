-- The SQL surface of the vector type beyond I/O: distance, arithmetic and scalar functions, their operators,
-- comparison and the btree operator class, aggregates, and casts from and to arrays. Names, signatures and
-- operator properties follow pgvector so that queries, ORMs and index opclass definitions carry over unchanged.

-- distances
CREATE FUNCTION l2_distance(vector, vector) RETURNS float8
  AS 'MODULE_PATHNAME', 'vx_l2_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION inner_product(vector, vector) RETURNS float8
  AS 'MODULE_PATHNAME', 'vx_inner_product' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cosine_distance(vector, vector) RETURNS float8
  AS 'MODULE_PATHNAME', 'vx_cosine_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION l1_distance(vector, vector) RETURNS float8
  AS 'MODULE_PATHNAME', 'vx_l1_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
-- support functions of the index operator classes
CREATE FUNCTION vector_l2_squared_distance(vector, vector) RETURNS float8
  AS 'MODULE_PATHNAME', 'vx_vector_l2_squared_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION vector_negative_inner_product(vector, vector) RETURNS float8
  AS 'MODULE_PATHNAME', 'vx_vector_negative_inner_product' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION vector_spherical_distance(vector, vector) RETURNS float8
  AS 'MODULE_PATHNAME', 'vx_vector_spherical_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
-- support function 3 of the index operator classes: the type-and-metric contract an index reads its column by
-- (src/pg/ann/ann_contract.h, docs/architecture.md)
CREATE FUNCTION vector_l2_index_support(internal) RETURNS internal
  AS 'MODULE_PATHNAME', 'vx_vector_l2_index_support' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION vector_ip_index_support(internal) RETURNS internal
  AS 'MODULE_PATHNAME', 'vx_vector_ip_index_support' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION vector_cosine_index_support(internal) RETURNS internal
  AS 'MODULE_PATHNAME', 'vx_vector_cosine_index_support' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION vector_l1_index_support(internal) RETURNS internal
  AS 'MODULE_PATHNAME', 'vx_vector_l1_index_support' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- scalar functions
CREATE FUNCTION vector_dims(vector) RETURNS integer
  AS 'MODULE_PATHNAME', 'vx_vector_dims' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION vector_norm(vector) RETURNS float8
  AS 'MODULE_PATHNAME', 'vx_vector_norm' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION l2_normalize(vector) RETURNS vector
  AS 'MODULE_PATHNAME', 'vx_l2_normalize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION subvector(vector, integer, integer) RETURNS vector
  AS 'MODULE_PATHNAME', 'vx_subvector' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION binary_quantize(vector) RETURNS bit
  AS 'MODULE_PATHNAME', 'vx_binary_quantize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- arithmetic
CREATE FUNCTION vector_add(vector, vector) RETURNS vector
  AS 'MODULE_PATHNAME', 'vx_vector_add' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION vector_sub(vector, vector) RETURNS vector
  AS 'MODULE_PATHNAME', 'vx_vector_sub' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION vector_mul(vector, vector) RETURNS vector
  AS 'MODULE_PATHNAME', 'vx_vector_mul' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION vector_concat(vector, vector) RETURNS vector
  AS 'MODULE_PATHNAME', 'vx_vector_concat' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- comparison
CREATE FUNCTION vector_lt(vector, vector) RETURNS bool
  AS 'MODULE_PATHNAME', 'vx_vector_lt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION vector_le(vector, vector) RETURNS bool
  AS 'MODULE_PATHNAME', 'vx_vector_le' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION vector_eq(vector, vector) RETURNS bool
  AS 'MODULE_PATHNAME', 'vx_vector_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION vector_ne(vector, vector) RETURNS bool
  AS 'MODULE_PATHNAME', 'vx_vector_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION vector_ge(vector, vector) RETURNS bool
  AS 'MODULE_PATHNAME', 'vx_vector_ge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION vector_gt(vector, vector) RETURNS bool
  AS 'MODULE_PATHNAME', 'vx_vector_gt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION vector_cmp(vector, vector) RETURNS integer
  AS 'MODULE_PATHNAME', 'vx_vector_cmp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- aggregates: avg keeps {count, sums...} in float8 (pgvector's state); sum adds in float4 like vector + vector
CREATE FUNCTION vector_accum(double precision[], vector) RETURNS double precision[]
  AS 'MODULE_PATHNAME', 'vx_vector_accum' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION vector_combine(double precision[], double precision[]) RETURNS double precision[]
  AS 'MODULE_PATHNAME', 'vx_vector_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION vector_avg(double precision[]) RETURNS vector
  AS 'MODULE_PATHNAME', 'vx_vector_avg' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE AGGREGATE avg(vector) (
  SFUNC = vector_accum,
  STYPE = double precision[],
  FINALFUNC = vector_avg,
  COMBINEFUNC = vector_combine,
  INITCOND = '{0}',
  PARALLEL = SAFE
);

CREATE AGGREGATE sum(vector) (
  SFUNC = vector_add,
  STYPE = vector,
  COMBINEFUNC = vector_add,
  PARALLEL = SAFE
);

-- casts (the third argument of a cast function is the "explicit" flag Postgres passes; unused)
CREATE FUNCTION array_to_vector(integer[], integer, boolean) RETURNS vector
  AS 'MODULE_PATHNAME', 'vx_array_to_vector' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION array_to_vector(real[], integer, boolean) RETURNS vector
  AS 'MODULE_PATHNAME', 'vx_array_to_vector' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION array_to_vector(double precision[], integer, boolean) RETURNS vector
  AS 'MODULE_PATHNAME', 'vx_array_to_vector' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION array_to_vector(numeric[], integer, boolean) RETURNS vector
  AS 'MODULE_PATHNAME', 'vx_array_to_vector' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION vector_to_float4(vector, integer, boolean) RETURNS real[]
  AS 'MODULE_PATHNAME', 'vx_vector_to_float4' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE CAST (integer[] AS vector) WITH FUNCTION array_to_vector(integer[], integer, boolean) AS ASSIGNMENT;
CREATE CAST (real[] AS vector) WITH FUNCTION array_to_vector(real[], integer, boolean) AS ASSIGNMENT;
CREATE CAST (double precision[] AS vector)
  WITH FUNCTION array_to_vector(double precision[], integer, boolean) AS ASSIGNMENT;
CREATE CAST (numeric[] AS vector) WITH FUNCTION array_to_vector(numeric[], integer, boolean) AS ASSIGNMENT;
CREATE CAST (vector AS real[]) WITH FUNCTION vector_to_float4(vector, integer, boolean) AS IMPLICIT;

-- operators
CREATE OPERATOR <-> (
  LEFTARG = vector, RIGHTARG = vector, PROCEDURE = l2_distance, COMMUTATOR = '<->'
);
CREATE OPERATOR <#> (
  LEFTARG = vector, RIGHTARG = vector, PROCEDURE = vector_negative_inner_product, COMMUTATOR = '<#>'
);
CREATE OPERATOR <=> (
  LEFTARG = vector, RIGHTARG = vector, PROCEDURE = cosine_distance, COMMUTATOR = '<=>'
);
CREATE OPERATOR <+> (
  LEFTARG = vector, RIGHTARG = vector, PROCEDURE = l1_distance, COMMUTATOR = '<+>'
);

CREATE OPERATOR + (LEFTARG = vector, RIGHTARG = vector, PROCEDURE = vector_add, COMMUTATOR = +);
-- a - b is not b - a: no commutator (pgvector's vector "-" declares one; its halfvec "-" rightly does not)
CREATE OPERATOR - (LEFTARG = vector, RIGHTARG = vector, PROCEDURE = vector_sub);
CREATE OPERATOR * (LEFTARG = vector, RIGHTARG = vector, PROCEDURE = vector_mul, COMMUTATOR = *);
CREATE OPERATOR || (LEFTARG = vector, RIGHTARG = vector, PROCEDURE = vector_concat);

CREATE OPERATOR < (
  LEFTARG = vector, RIGHTARG = vector, PROCEDURE = vector_lt,
  COMMUTATOR = > , NEGATOR = >= , RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);
CREATE OPERATOR <= (
  LEFTARG = vector, RIGHTARG = vector, PROCEDURE = vector_le,
  COMMUTATOR = >= , NEGATOR = > , RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);
CREATE OPERATOR = (
  LEFTARG = vector, RIGHTARG = vector, PROCEDURE = vector_eq,
  COMMUTATOR = = , NEGATOR = <> , RESTRICT = eqsel, JOIN = eqjoinsel, MERGES
);
CREATE OPERATOR <> (
  LEFTARG = vector, RIGHTARG = vector, PROCEDURE = vector_ne,
  COMMUTATOR = <> , NEGATOR = = , RESTRICT = neqsel, JOIN = neqjoinsel
);
CREATE OPERATOR >= (
  LEFTARG = vector, RIGHTARG = vector, PROCEDURE = vector_ge,
  COMMUTATOR = <= , NEGATOR = < , RESTRICT = scalargesel, JOIN = scalargejoinsel
);
CREATE OPERATOR > (
  LEFTARG = vector, RIGHTARG = vector, PROCEDURE = vector_gt,
  COMMUTATOR = < , NEGATOR = <= , RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);

CREATE OPERATOR CLASS vector_ops
  DEFAULT FOR TYPE vector USING btree AS
  OPERATOR 1 < ,
  OPERATOR 2 <= ,
  OPERATOR 3 = ,
  OPERATOR 4 >= ,
  OPERATOR 5 > ,
  FUNCTION 1 vector_cmp(vector, vector);
