-- vectorext.index_check: a read-only consistency check of an hnsw, ivfflat or ivf index (docs/index_check.md).
CREATE FUNCTION vectorext.index_check(index regclass, heapallindexed boolean DEFAULT false,
                                      OUT method text, OUT pages bigint, OUT entries bigint, OUT live bigint,
                                      OUT heap_rows bigint, OUT heapallindexed_checked boolean)
  RETURNS record
  AS 'MODULE_PATHNAME', 'vx_index_check' LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION vectorext.index_check(regclass, boolean) IS
  'checks an hnsw, ivfflat or ivf index (layout, links/postings, reachability; with heapallindexed every live row '
  'indexed exactly once); raises XX002 on corruption';
