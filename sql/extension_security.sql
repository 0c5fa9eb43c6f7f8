-- The extension-wide rules of docs/security.md, checked on the catalog, and an install under a hostile search_path.
\pset footer off
SET client_min_messages = warning;

-- 1. Every function of the extension runs with search_path = pg_catalog, pg_temp, except
--    * C functions that run no SQL and look up nothing by name (type I/O, operators, distances, aggregates' support,
--      index access method handlers and support functions, vector_index_order_value): the path cannot change what
--      they do, and a SET clause would cost every call a GUC save/restore (docs/security.md);
--    * compare and evaluate: LANGUAGE sql bodies that are one fully qualified call passing the caller's path on.
-- The C code that runs SQL is the MLOps layer's (symbols vx_mlops_*) and index_check: all of it is pinned.
CREATE VIEW pg_temp.extension_functions AS
  SELECT p.oid::regprocedure AS function, p.pronamespace::regnamespace AS schema, l.lanname AS language, p.prosrc,
         coalesce('search_path=pg_catalog, pg_temp' = ANY (p.proconfig), false) AS pinned
  FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
  JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'vectorext';
-- Unpinned functions that are not C (aggregates are 'internal': their support functions are listed as C).
SELECT function, language FROM pg_temp.extension_functions
WHERE NOT pinned AND language NOT IN ('c', 'internal') ORDER BY 1::text;
-- Unpinned C functions that run SQL, and unpinned functions of schema vectorext: none.
SELECT function, prosrc FROM pg_temp.extension_functions
WHERE NOT pinned AND ((language = 'c' AND (prosrc LIKE 'vx\_mlops\_%' OR prosrc = 'vx_index_check'))
                      OR (schema = 'vectorext'::regnamespace AND language <> 'sql'));
SELECT count(*) > 50 AS many_functions, count(*) FILTER (WHERE NOT pinned AND language = 'c') > 40 AS many_unpinned_c
FROM pg_temp.extension_functions;
-- The unpinned LANGUAGE sql wrappers are one call of a vectorext function, everything schema-qualified.
SELECT p.proname, regexp_replace(p.prosrc, '\s+', ' ', 'g') AS body
FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
WHERE p.pronamespace = 'vectorext'::regnamespace AND l.lanname = 'sql' AND p.proconfig IS NULL;

-- 2. SECURITY DEFINER: only the _owner_ functions, none executable by PUBLIC, each reached by exactly one public C
--    entry point (vx_mlops_owner_call) of the same name.
SELECT p.proname, p.prosecdef, has_function_privilege('public', p.oid, 'EXECUTE') AS public_may_execute,
       (SELECT string_agg(q.oid::regprocedure::text, ', ') FROM pg_proc q
        WHERE q.pronamespace = p.pronamespace AND q.prosrc = 'vx_mlops_owner_call'
          AND '_owner_' || ltrim(q.proname, '_') = p.proname) AS entry_point
FROM pg_proc p
WHERE p.pronamespace = 'vectorext'::regnamespace AND (p.prosecdef OR p.proname LIKE '\_owner\_%')
ORDER BY 1;
SELECT count(*) AS definer_functions_elsewhere FROM pg_proc p
JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'vectorext'
WHERE p.prosecdef AND p.pronamespace <> 'vectorext'::regnamespace;
-- Registry tables: readable (artifacts excepted), writable by nobody but the owner.
SELECT c.relname, has_table_privilege('public', c.oid, 'SELECT') AS public_select,
       has_table_privilege('public', c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE') AS public_write
FROM pg_class c WHERE c.relnamespace = 'vectorext'::regnamespace AND c.relkind IN ('r', 'v') ORDER BY 1;
-- Relations are stored by OID.
SELECT c.relname AS registry_table, a.attname, a.atttypid::regtype
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
WHERE c.relnamespace = 'vectorext'::regnamespace AND c.relkind = 'r' AND a.atttypid IN ('regclass'::regtype, 'regrole'::regtype)
ORDER BY 1, 2;

-- 3. Install with a hostile schema first on the search_path (and traps in public, the target schema, from a role
--    that could create there before PostgreSQL 15): nothing of theirs runs, the extension works.
CREATE DATABASE mxs_hostile;
\c mxs_hostile
SET client_min_messages = warning;
CREATE ROLE mxs_evil;
GRANT CREATE ON SCHEMA public TO mxs_evil;
CREATE SCHEMA hostile AUTHORIZATION mxs_evil;
GRANT USAGE ON SCHEMA hostile TO PUBLIC;
SET ROLE mxs_evil;
CREATE TABLE hostile.fired (who name, trap text);
GRANT INSERT ON hostile.fired TO PUBLIC;
CREATE FUNCTION hostile.fire(trap text) RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
  INSERT INTO hostile.fired VALUES (current_user, trap);
  BEGIN
    EXECUTE 'ALTER ROLE mxs_evil SUPERUSER';
  EXCEPTION WHEN insufficient_privilege THEN NULL;
  END;
END
$$;
-- Better matches than pg_catalog's for calls the install script and the views could make with implicit casts.
CREATE FUNCTION hostile.format(f text, p regprocedure) RETURNS text LANGUAGE plpgsql AS $$
BEGIN PERFORM hostile.fire('format(text,regprocedure)'); RETURN pg_catalog.format(f, p); END $$;
CREATE FUNCTION public.format(f text, p regprocedure) RETURNS text LANGUAGE plpgsql AS $$
BEGIN PERFORM hostile.fire('public.format(text,regprocedure)'); RETURN pg_catalog.format(f, p); END $$;
CREATE FUNCTION public.pg_relation_size(r oid) RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN PERFORM hostile.fire('public.pg_relation_size(oid)'); RETURN pg_catalog.pg_relation_size(r); END $$;
CREATE FUNCTION public.oid_eq_regclass(a oid, b regclass) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN PERFORM hostile.fire('public.=(oid,regclass)'); RETURN a OPERATOR(pg_catalog.=) b; END $$;
CREATE OPERATOR public.= (LEFTARG = oid, RIGHTARG = regclass, FUNCTION = public.oid_eq_regclass);
CREATE FUNCTION hostile.texteq(a text, b text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN PERFORM hostile.fire('hostile.=(text,text)'); RETURN a OPERATOR(pg_catalog.=) b; END $$;
CREATE OPERATOR hostile.= (LEFTARG = text, RIGHTARG = text, FUNCTION = hostile.texteq);
CREATE FUNCTION hostile.set_config(a text, b text, c boolean) RETURNS text LANGUAGE plpgsql AS $$
BEGIN PERFORM hostile.fire('hostile.set_config'); RETURN pg_catalog.set_config(a, b, c); END $$;
RESET ROLE;
SET search_path = hostile, public;
CREATE EXTENSION vectorext SCHEMA public;
SELECT extnamespace::regnamespace AS installed_in FROM pg_extension WHERE extname = 'vectorext';
SELECT who, trap FROM hostile.fired;
-- ... and it works, with that path still in place.
CREATE TABLE public.docs (id int PRIMARY KEY);
INSERT INTO public.docs VALUES (1), (2);
SELECT vectorext.register_model('m', 2);
SELECT vectorext.create_collection('docs_emb', 'public.docs', 'm');
SELECT vectorext.add_version('docs_emb', 1);
INSERT INTO public.docs_emb (id, model_version, embedding) VALUES (1, 1, '[1,0]'), (2, 1, '[0,1]');
SELECT vectorext.build_index('docs_emb', 1);
SELECT vectorext.promote('m', 1);
SELECT * FROM vectorext.search('docs_emb', '[1,0]', 1);
SELECT collection, version, rows, index_name, index_size IS NOT NULL AS sized FROM vectorext.collection_versions;
RESET search_path;
SELECT who, trap FROM hostile.fired;
SELECT rolsuper AS evil_is_superuser FROM pg_roles WHERE rolname = 'mxs_evil';
\c contrib_regression
DROP DATABASE mxs_hostile;
DROP ROLE mxs_evil;
