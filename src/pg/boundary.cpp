// Out-of-line half of the boundary kit: classifying caught C++ exceptions and turning them into ereport.
#include "pg/boundary.h"

#include <cstring>
#include <new>

namespace vx::pg {

const char* PgError::what() const noexcept { return (data_ && data_->message) ? data_->message : "PostgreSQL error"; }

namespace detail {
namespace {
void copy_text(char* dst, std::size_t cap, const char* src) noexcept {
  if (!src) {
    dst[0] = '\0';
    return;
  }
  std::strncpy(dst, src, cap - 1);
  dst[cap - 1] = '\0';
}
}  // namespace

void capture_current_exception(CaughtError* out) noexcept {
  out->pg_error = nullptr;
  out->sqlstate = ERRCODE_INTERNAL_ERROR;
  out->message[0] = out->detail[0] = out->hint[0] = '\0';
  try {
    throw;
  } catch (const PgError& e) {
    out->pg_error = e.data();
  } catch (const SqlError& e) {
    out->sqlstate = e.sqlstate();
    copy_text(out->message, sizeof out->message, e.what());
    copy_text(out->detail, sizeof out->detail, e.detail().c_str());
    copy_text(out->hint, sizeof out->hint, e.hint().c_str());
  } catch (const std::bad_alloc&) {
    out->sqlstate = ERRCODE_OUT_OF_MEMORY;
    copy_text(out->message, sizeof out->message, "out of memory in vectorext");
  } catch (const std::exception& e) {
    copy_text(out->message, sizeof out->message, e.what());
  } catch (...) {
    copy_text(out->message, sizeof out->message, "unknown C++ exception in vectorext");
  }
}

void raise(const CaughtError* err) {
  if (err->pg_error) ReThrowError(err->pg_error);
  ereport(ERROR, (errcode(err->sqlstate), errmsg("%s", err->message), err->detail[0] ? errdetail("%s", err->detail) : 0,
                  err->hint[0] ? errhint("%s", err->hint) : 0));
  pg_unreachable();
}

ErrorData* take_pending_error(MemoryContext into) {
  MemoryContextSwitchTo(into);
  ErrorData* data = CopyErrorData();
  FlushErrorState();
  return data;
}

}  // namespace detail
}  // namespace vx::pg
