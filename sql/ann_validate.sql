-- amvalidate of the ANN access methods: every operator class the extension ships is valid; hand-made classes with
-- a wrong signature, a missing support function, a search (not ORDER BY) operator or a non-float8 sort family are
-- reported (INFO naming the class and the problem) and fail.
SELECT am.amname, opc.opcname, amvalidate(opc.oid)
FROM pg_opclass opc JOIN pg_am am ON am.oid = opc.opcmethod
WHERE am.amname IN ('hnsw', 'ivfflat', 'ivf')
ORDER BY 1, 2;

-- support 1 must be float8 (vector, vector)
CREATE OPERATOR CLASS bad_sig_ops FOR TYPE vector USING hnsw AS
  OPERATOR 1 <-> (vector, vector) FOR ORDER BY float_ops,
  FUNCTION 1 vector_norm(vector),
  FUNCTION 3 vector_l2_index_support(internal);
SELECT amvalidate(oid) FROM pg_opclass WHERE opcname = 'bad_sig_ops';

-- hnsw needs support 3 (the metric)
CREATE OPERATOR CLASS no_metric_ops FOR TYPE vector USING hnsw AS
  OPERATOR 1 <-> (vector, vector) FOR ORDER BY float_ops,
  FUNCTION 1 vector_l2_squared_distance(vector, vector);
SELECT amvalidate(oid) FROM pg_opclass WHERE opcname = 'no_metric_ops';

-- ivfflat and ivf need support 3 too (the type-and-metric contract)
CREATE OPERATOR CLASS no_contract_ops FOR TYPE vector USING ivfflat AS
  OPERATOR 1 <-> (vector, vector) FOR ORDER BY float_ops,
  FUNCTION 1 vector_l2_squared_distance(vector, vector);
SELECT amvalidate(oid) FROM pg_opclass WHERE opcname = 'no_contract_ops';

-- an operator that is not FOR ORDER BY
CREATE OPERATOR CLASS search_op_ops FOR TYPE vector USING ivfflat AS
  OPERATOR 1 = (vector, vector),
  FUNCTION 1 vector_l2_squared_distance(vector, vector),
  FUNCTION 3 vector_l2_index_support(internal);
SELECT amvalidate(oid) FROM pg_opclass WHERE opcname = 'search_op_ops';

-- ordered by a family that cannot sort float8
CREATE OPERATOR CLASS int_sort_ops FOR TYPE vector USING ivf AS
  OPERATOR 1 <-> (vector, vector) FOR ORDER BY integer_ops,
  FUNCTION 1 vector_l2_squared_distance(vector, vector),
  FUNCTION 3 vector_l2_index_support(internal);
SELECT amvalidate(oid) FROM pg_opclass WHERE opcname = 'int_sort_ops';

-- a filter column's class (an integer type, hnsw only): search operators of strategies 1-5, an = of its own type, no
-- support function
CREATE OPERATOR CLASS bad_filter_ops FOR TYPE int4 USING hnsw AS
  OPERATOR 1 < (int4, int4) FOR ORDER BY integer_ops,
  OPERATOR 6 <> (int4, int4),
  FUNCTION 1 btint4cmp(int4, int4);
SELECT amvalidate(oid) FROM pg_opclass WHERE opcname = 'bad_filter_ops';

DROP OPERATOR FAMILY bad_filter_ops USING hnsw;
DROP OPERATOR FAMILY bad_sig_ops USING hnsw;
DROP OPERATOR FAMILY no_metric_ops USING hnsw;
DROP OPERATOR FAMILY no_contract_ops USING ivfflat;
DROP OPERATOR FAMILY search_op_ops USING ivfflat;
DROP OPERATOR FAMILY int_sort_ops USING ivf;
