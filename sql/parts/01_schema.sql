-- Schema vectorext holds everything that is not pgvector's surface: index administration (index_check) and MLOps
-- (docs/mlops.md). pgvector-compatible types, operators and access methods stay in the extension's own schema.
CREATE SCHEMA vectorext;
COMMENT ON SCHEMA vectorext IS 'vectorext: index administration, model registry, embedding collections, aliases, evaluation';
