-- MLOps (docs/mlops.md): model registry with chunked, SHA-256-verified artifacts. Everything in schema vectorext is
-- ordinary tables and functions, so every change is MVCC and a ROLLBACK undoes it.

-- One row per model name: the version counter and the row that serialises changes to the model's aliases.
CREATE TABLE vectorext.model_head (
  name         text PRIMARY KEY CHECK (name <> ''),
  last_version int NOT NULL,
  alias_changes bigint NOT NULL DEFAULT 0   -- bumped by every alias change: concurrent changes conflict
);

CREATE TABLE vectorext.model (
  name            text NOT NULL REFERENCES vectorext.model_head ON DELETE CASCADE,
  version         int NOT NULL CHECK (version > 0),
  dims            int NOT NULL CHECK (dims BETWEEN 1 AND 16000),
  metric          text NOT NULL CHECK (metric IN ('l2', 'ip', 'cosine', 'l1')),
  uri             text,
  params          jsonb NOT NULL DEFAULT '{}',
  description     text,
  artifact_size   bigint,
  artifact_sha256 text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  created_by      name NOT NULL DEFAULT current_user,
  PRIMARY KEY (name, version)
);

CREATE TABLE vectorext.artifact_chunk (
  model   text NOT NULL,
  version int NOT NULL,
  seq     int NOT NULL,
  data    bytea NOT NULL,
  PRIMARY KEY (model, version, seq),
  FOREIGN KEY (model, version) REFERENCES vectorext.model ON DELETE CASCADE
);
-- Model files are usually incompressible: store chunks out of line without spending CPU on compression.
ALTER TABLE vectorext.artifact_chunk ALTER COLUMN data SET STORAGE EXTERNAL;

SELECT pg_catalog.pg_extension_config_dump('vectorext.model_head', '');
SELECT pg_catalog.pg_extension_config_dump('vectorext.model', '');
SELECT pg_catalog.pg_extension_config_dump('vectorext.artifact_chunk', '');

-- Operator, operator class per metric (the pgvector names).
CREATE FUNCTION vectorext._metric_operator(metric text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE metric WHEN 'l2' THEN '<->' WHEN 'ip' THEN '<#>' WHEN 'cosine' THEN '<=>' WHEN 'l1' THEN '<+>' END
$$;
CREATE FUNCTION vectorext._metric_opclass(metric text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT 'vector_' || metric || '_ops'
$$;

CREATE FUNCTION vectorext._model(model text, version int) RETURNS vectorext.model
LANGUAGE plpgsql STABLE AS $$
DECLARE
  m vectorext.model;
BEGIN
  SELECT * INTO m FROM vectorext.model mm WHERE mm.name = _model.model AND mm.version = _model.version;
  IF NOT FOUND THEN
    IF NOT EXISTS (SELECT 1 FROM vectorext.model_head h WHERE h.name = _model.model) THEN
      RAISE EXCEPTION 'model "%" is not registered', model
        USING ERRCODE = 'undefined_object',
              HINT = format('Register it with vectorext.register_model(%L, dims => ...).', model);
    END IF;
    RAISE EXCEPTION 'model "%" has no version %', model, version
      USING ERRCODE = 'undefined_object',
            HINT = format('See SELECT version FROM vectorext.models WHERE name = %L, or register a new version with vectorext.register_model(%L, ...).', model, model);
  END IF;
  RETURN m;
END
$$;

-- The registry row of register_model (validation, version allocation); the C entry point stores the artifact.
CREATE FUNCTION vectorext._register_model(name text, dims int, metric text, artifact_size bigint,
                                          uri text, params jsonb, description text)
RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  v int;
BEGIN
  IF name IS NULL OR name = '' THEN
    RAISE EXCEPTION 'model name must not be empty' USING ERRCODE = 'invalid_parameter_value',
      HINT = 'Pass a name such as ''product-embedder''.';
  END IF;
  IF dims IS NULL OR dims NOT BETWEEN 1 AND 16000 THEN
    RAISE EXCEPTION 'model dims must be between 1 and 16000, not %', dims USING ERRCODE = 'invalid_parameter_value',
      HINT = 'Pass the length of the vectors the model produces.';
  END IF;
  IF metric IS NULL OR metric NOT IN ('l2', 'ip', 'cosine', 'l1') THEN
    RAISE EXCEPTION 'unknown distance metric "%"', metric USING ERRCODE = 'invalid_parameter_value',
      HINT = 'Use one of l2, ip, cosine, l1.';
  END IF;
  -- The row lock on model_head allocates versions without gaps or duplicates under concurrency.
  INSERT INTO vectorext.model_head AS h (name, last_version) VALUES (_register_model.name, 1)
    ON CONFLICT ON CONSTRAINT model_head_pkey DO UPDATE SET last_version = h.last_version + 1
    RETURNING h.last_version INTO v;
  INSERT INTO vectorext.model (name, version, dims, metric, uri, params, description, artifact_size)
    VALUES (_register_model.name, v, _register_model.dims, _register_model.metric, _register_model.uri,
            coalesce(_register_model.params, '{}'), _register_model.description, _register_model.artifact_size);
  RETURN v;
END
$$;

CREATE FUNCTION vectorext.register_model(name text, dims int, metric text DEFAULT 'l2', artifact bytea DEFAULT NULL,
                                         uri text DEFAULT NULL, params jsonb DEFAULT '{}',
                                         description text DEFAULT NULL)
  RETURNS int AS 'MODULE_PATHNAME', 'vx_mlops_register_model' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION vectorext.register_model IS 'Registers the next version (1, 2, ...) of a model; the artifact is stored in chunks with its size and SHA-256';

CREATE FUNCTION vectorext.model_artifact(name text, version int) RETURNS bytea
  AS 'MODULE_PATHNAME', 'vx_mlops_model_artifact' LANGUAGE C STABLE STRICT;
COMMENT ON FUNCTION vectorext.model_artifact IS 'The stored model file, verified against its SHA-256 (fails with data_corrupted otherwise)';
