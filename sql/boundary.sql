-- The C++/Postgres boundary kit (src/pg/boundary.h, workers.h, context_owned.h), driven through the test-only
-- module vectorext_selftest: C++ exceptions become ERRORs with the right SQLSTATE, Postgres ERRORs keep theirs
-- when they cross C++ frames, destructors run, worker threads stop on cancel.
CREATE SCHEMA selftest;
CREATE FUNCTION selftest.throw(text) RETURNS text AS '$libdir/vectorext_selftest', 'vx_selftest_throw' LANGUAGE C STRICT;
CREATE FUNCTION selftest.pg_error_in_call() RETURNS void AS '$libdir/vectorext_selftest', 'vx_selftest_pg_error_in_call' LANGUAGE C;
CREATE FUNCTION selftest.call_value(int) RETURNS int AS '$libdir/vectorext_selftest', 'vx_selftest_call_value' LANGUAGE C STRICT;
CREATE FUNCTION selftest.destructor_runs() RETURNS int AS '$libdir/vectorext_selftest', 'vx_selftest_destructor_runs' LANGUAGE C;
CREATE FUNCTION selftest.context_owned() RETURNS bool AS '$libdir/vectorext_selftest', 'vx_selftest_context_owned' LANGUAGE C;
CREATE FUNCTION selftest.workers(int) RETURNS int AS '$libdir/vectorext_selftest', 'vx_selftest_workers' LANGUAGE C STRICT;
CREATE FUNCTION selftest.worker_throws() RETURNS void AS '$libdir/vectorext_selftest', 'vx_selftest_worker_throws' LANGUAGE C;

-- sqlstate, message, detail and hint of the error a statement raises
CREATE FUNCTION selftest.error_of(statement text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE state text; msg text; detail text; hint text;
BEGIN
  EXECUTE statement;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
  RETURN concat_ws(' | ', state, msg, nullif(detail, ''), nullif(hint, ''));
END $$;

SELECT selftest.throw('none');
SELECT kind, selftest.error_of(format('SELECT selftest.throw(%L)', kind)) AS error
FROM unnest(ARRAY['sql_error', 'std_exception', 'bad_alloc', 'int']) kind;
-- five calls, each with one live C++ object: all destroyed, also on the four that threw
SELECT selftest.destructor_runs() AS destructors_after_throws;
SELECT selftest.error_of('SELECT selftest.pg_error_in_call()') AS postgres_error_through_cpp;
-- the Postgres error crossed four live C++ objects: all destroyed, and its SQLSTATE and hint kept
SELECT selftest.destructor_runs() AS destructors_after_pg_error;
SELECT selftest.call_value(41);
SELECT selftest.context_owned();

-- worker threads: finish by themselves, or stop when the statement is cancelled, or report their failure
SELECT selftest.workers(50) AS workers_finished;
SET statement_timeout = '300ms';
SELECT selftest.workers(600000);
RESET statement_timeout;
SELECT selftest.error_of('SELECT selftest.worker_throws()') AS worker_error;
-- the session is healthy afterwards
SELECT selftest.call_value(1);
DROP SCHEMA selftest CASCADE;
