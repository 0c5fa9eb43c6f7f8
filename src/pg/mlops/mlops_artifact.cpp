// Model artifacts for the MLOps registry (docs/mlops.md; docs/architecture.md, "How data flows"): stored as ~1 MB chunks in
// vectorext.artifact_chunk, hashed with SHA-256 while streaming, so a 256 MB artifact is never held in memory more
// than once (the bytea argument on the way in, the result buffer on the way out).
// These bodies hold no C++ object with a destructor, so they call Postgres (SPI, palloc, ereport) directly.
#include "pg/boundary.h"

// Postgres headers reached through spi.h use `register`, which C++17 warns about.
extern "C" {
#include "catalog/pg_type.h"
#include "common/cryptohash.h"
#include "common/sha2.h"
#include "executor/spi.h"
#include "utils/builtins.h"
}

namespace {

constexpr int kChunkBytes = 1024 * 1024;  // 1 MB chunks, stored uncompressed out of line

pg_cryptohash_ctx* sha256_begin() {
  pg_cryptohash_ctx* ctx = pg_cryptohash_create(PG_SHA256);
  if (ctx == nullptr || pg_cryptohash_init(ctx) < 0)
    ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("could not initialize SHA-256 context")));
  return ctx;
}

void sha256_update(pg_cryptohash_ctx* ctx, const void* data, size_t len) {
  if (pg_cryptohash_update(ctx, static_cast<const uint8*>(data), len) < 0)
    ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("could not update SHA-256 digest")));
}

// Finishes the digest into `hex` (65 bytes, NUL-terminated lowercase hex).
void sha256_finish(pg_cryptohash_ctx* ctx, char* hex) {
  uint8 digest[PG_SHA256_DIGEST_LENGTH];
  if (pg_cryptohash_final(ctx, digest, sizeof(digest)) < 0)
    ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("could not finalize SHA-256 digest")));
  pg_cryptohash_free(ctx);
  static const char kHex[] = "0123456789abcdef";
  for (int i = 0; i < PG_SHA256_DIGEST_LENGTH; ++i) {
    hex[2 * i] = kHex[digest[i] >> 4];
    hex[2 * i + 1] = kHex[digest[i] & 15];
  }
  hex[2 * PG_SHA256_DIGEST_LENGTH] = '\0';
}

// Writes the artifact as chunks (seq 0, 1, ...) of vectorext.artifact_chunk and puts its SHA-256 in `hex`.
// The caller is connected to SPI.
void store_chunks(text* model, int32 version, bytea* artifact, char* hex) {
  const char* data = VARDATA(artifact);
  int64 size = VARSIZE(artifact) - VARHDRSZ;
  pg_cryptohash_ctx* ctx = sha256_begin();
  Oid types[4] = {TEXTOID, INT4OID, INT4OID, BYTEAOID};
  SPIPlanPtr plan =
      SPI_prepare("INSERT INTO vectorext.artifact_chunk (model, version, seq, data) VALUES ($1, $2, $3, $4)", 4, types);
  if (plan == nullptr) elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
  bytea* chunk = static_cast<bytea*>(palloc(VARHDRSZ + kChunkBytes));
  int32 seq = 0;
  for (int64 off = 0; off < size; off += kChunkBytes, ++seq) {
    int64 n = size - off < kChunkBytes ? size - off : kChunkBytes;
    memcpy(VARDATA(chunk), data + off, n);
    SET_VARSIZE(chunk, VARHDRSZ + n);
    sha256_update(ctx, data + off, n);
    Datum values[4] = {PointerGetDatum(model), Int32GetDatum(version), Int32GetDatum(seq), PointerGetDatum(chunk)};
    int rc = SPI_execute_plan(plan, values, nullptr, false, 0);
    if (rc != SPI_OK_INSERT) elog(ERROR, "could not store artifact chunk: %s", SPI_result_code_string(rc));
    CHECK_FOR_INTERRUPTS();
  }
  pfree(chunk);
  sha256_finish(ctx, hex);
}

}  // namespace

// vectorext._owner_register_model(caller, name, dims, metric, artifact, uri, params, description) RETURNS int,
// reached through vectorext.register_model (mlops_owner_call.cpp); SECURITY DEFINER, so it writes the registry as
// the extension owner after vectorext._register_model has checked `caller`'s privileges.
// The registry row is written by vectorext._register_model (PL/pgSQL: privileges, validation, version allocation);
// the artifact goes from this function's argument straight into chunks, so it is never copied whole (PL/pgSQL would
// copy it).
VX_FUNCTION(vx_mlops_register_model) {
  // Detoasted once (a no-op for an in-memory value such as lo_get's or a client parameter).
  bytea* artifact = PG_ARGISNULL(4) ? nullptr : PG_GETARG_BYTEA_P(4);
  Oid types[8] = {OIDOID, TEXTOID, INT4OID, TEXTOID, INT8OID, TEXTOID, JSONBOID, TEXTOID};
  Datum values[8];
  char nulls[8];
  static const int kArg[8] = {0, 1, 2, 3, -1, 5, 6, 7};  // SQL argument of each _register_model parameter
  for (int i = 0; i < 8; ++i) {
    if (kArg[i] < 0) {  // the artifact's size instead of the artifact
      nulls[i] = artifact == nullptr ? 'n' : ' ';
      values[i] = artifact == nullptr ? 0 : Int64GetDatum(static_cast<int64>(VARSIZE(artifact) - VARHDRSZ));
    } else {
      nulls[i] = PG_ARGISNULL(kArg[i]) ? 'n' : ' ';
      values[i] = PG_ARGISNULL(kArg[i]) ? 0 : PG_GETARG_DATUM(kArg[i]);
    }
  }
  SPI_connect();
  int rc = SPI_execute_with_args("SELECT vectorext._register_model($1, $2, $3, $4, $5, $6, $7, $8)", 8, types, values,
                                 nulls, false, 1);
  if (rc != SPI_OK_SELECT || SPI_processed != 1)
    elog(ERROR, "could not register model: %s", SPI_result_code_string(rc));
  bool isnull = false;
  int32 version = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
  if (artifact != nullptr) {
    text* name = PG_GETARG_TEXT_PP(1);
    char hex[2 * PG_SHA256_DIGEST_LENGTH + 1];
    store_chunks(name, version, artifact, hex);
    Oid utypes[3] = {TEXTOID, INT4OID, TEXTOID};
    Datum uvalues[3] = {PointerGetDatum(name), Int32GetDatum(version), CStringGetTextDatum(hex)};
    rc = SPI_execute_with_args(
        "UPDATE vectorext.model SET artifact_sha256 = $3 "
        "WHERE name OPERATOR(pg_catalog.=) $1 AND version OPERATOR(pg_catalog.=) $2",
        3, utypes, uvalues, nullptr, false, 0);
    if (rc != SPI_OK_UPDATE || SPI_processed != 1) elog(ERROR, "could not record the artifact digest");
  }
  SPI_finish();
  PG_RETURN_INT32(version);
}

// vectorext._owner_model_artifact(caller, name text, version int) RETURNS bytea, reached through
// vectorext.model_artifact (mlops_owner_call.cpp); SECURITY DEFINER: reads the chunks as the extension owner once
// `caller` has been found to hold the model's 'artifact' privilege.
// Reassembles the chunks into one buffer of exactly the registered size while hashing them; any missing, extra or
// altered byte fails with data_corrupted before anything is returned. A C function end to end: a PL/pgSQL or SQL
// wrapper would copy the (possibly huge) result once more.
VX_FUNCTION(vx_mlops_model_artifact) {
  Oid caller = PG_GETARG_OID(0);
  text* model = PG_GETARG_TEXT_PP(1);
  int32 version = PG_GETARG_INT32(2);
  char* model_name = text_to_cstring(model);

  SPI_connect();
  Oid ltypes[3] = {TEXTOID, INT4OID, OIDOID};
  Datum largs[3] = {PointerGetDatum(model), Int32GetDatum(version), ObjectIdGetDatum(caller)};
  // vectorext._model raises "not registered" / "no such version" with their hints; _require_model_privilege
  // raises insufficient_privilege unless the caller may read the model's artifacts.
  int rc = SPI_execute_with_args(
      "SELECT m.artifact_size, m.artifact_sha256, vectorext._require_model_privilege($3, $1, 'artifact') "
      "FROM vectorext._model($1, $2) m",
      3, ltypes, largs, nullptr, true, 1);
  if (rc != SPI_OK_SELECT || SPI_processed != 1) elog(ERROR, "could not look up the model");
  bool size_null = false, sha_null = false;
  int64 size = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &size_null));
  char* sha = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
  sha_null = sha == nullptr;
  char expected[2 * PG_SHA256_DIGEST_LENGTH + 1] = {0};
  if (!sha_null) strlcpy(expected, sha, sizeof(expected));
  if (size_null || sha_null) {
    SPI_finish();
    PG_RETURN_NULL();
  }
  if (size < 0 || size > static_cast<int64>(MaxAllocSize) - VARHDRSZ)
    ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                    errmsg("artifact of model \"%s\" version %d is too large to return as one bytea (%lld bytes)",
                           model_name, version, static_cast<long long>(size)),
                    errhint("Read its chunks from vectorext.artifact_chunk in order of seq instead.")));

  bytea* result = static_cast<bytea*>(SPI_palloc(VARHDRSZ + size));  // caller's context: survives SPI_finish
  SET_VARSIZE(result, VARHDRSZ + size);
  pg_cryptohash_ctx* ctx = sha256_begin();

  Oid types[2] = {TEXTOID, INT4OID};
  Datum args[2] = {PointerGetDatum(model), Int32GetDatum(version)};
  Portal portal = SPI_cursor_open_with_args(
      nullptr,
      "SELECT c.seq, c.data FROM vectorext.artifact_chunk c "
      "WHERE c.model OPERATOR(pg_catalog.=) $1 AND c.version OPERATOR(pg_catalog.=) $2 ORDER BY c.seq",
      2, types, args, nullptr, true, CURSOR_OPT_NO_SCROLL);
  int64 off = 0;
  int32 expected_seq = 0;
  const char* problem = nullptr;
  for (;;) {
    SPI_cursor_fetch(portal, true, 1);
    if (SPI_processed == 0) break;
    bool isnull = false;
    int32 seq = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
    Datum d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
    if (isnull || seq != expected_seq) {
      problem = "a chunk is missing or empty";
      break;
    }
    bytea* chunk = DatumGetByteaPP(d);
    int64 n = VARSIZE_ANY_EXHDR(chunk);
    if (off + n > size) {
      problem = "the chunks hold more bytes than the registered size";
      break;
    }
    memcpy(VARDATA(result) + off, VARDATA_ANY(chunk), n);
    sha256_update(ctx, VARDATA_ANY(chunk), n);
    off += n;
    ++expected_seq;
    if (reinterpret_cast<Pointer>(chunk) != DatumGetPointer(d)) pfree(chunk);
    SPI_freetuptable(SPI_tuptable);
    CHECK_FOR_INTERRUPTS();
  }
  SPI_cursor_close(portal);
  char hex[2 * PG_SHA256_DIGEST_LENGTH + 1];
  sha256_finish(ctx, hex);
  SPI_finish();
  if (problem == nullptr && off != size) problem = "the chunks hold fewer bytes than the registered size";
  if (problem == nullptr && strcmp(hex, expected) != 0) problem = "the SHA-256 of the stored bytes does not match";
  if (problem != nullptr)
    ereport(ERROR, (errcode(ERRCODE_DATA_CORRUPTED),
                    errmsg("artifact of model \"%s\" version %d is corrupted", model_name, version),
                    errdetail("%s (registered size %lld bytes, sha256 %s; read %lld bytes, sha256 %s).", problem,
                              static_cast<long long>(size), expected, static_cast<long long>(off), hex),
                    errhint("Restore vectorext.artifact_chunk from a backup, or register the model file again with "
                            "vectorext.register_model('%s', ...).",
                            model_name)));
  PG_RETURN_BYTEA_P(result);
}
