// The C++ / Postgres boundary kit (docs/architecture.md, "The boundary"). Postgres reports errors with longjmp, C++ with exceptions;
// this file is the only place that converts between the two.
//   VX_FUNCTION(name)  defines an SQL-callable function whose body runs inside guard().
//   guard(f)           runs f; any C++ exception is caught, copied, and re-raised as an ereport *after* the catch.
//   call(f)            runs Postgres code from C++ that holds live objects: a Postgres ERROR becomes PgError.
//   SqlError           the C++ exception glue and core code throw to report an error with a SQLSTATE.
// Rule of thumb: a body that holds no object with a destructor may call Postgres directly (a longjmp across it
// skips nothing); as soon as it holds one (std::vector, unique_ptr, ...), Postgres is reached through call().
#pragma once

#include "pg/compat.h"

#include <csetjmp>
#include <exception>
#include <string>
#include <type_traits>
#include <utility>

namespace vx::pg {

// A Postgres error caught by call(), carried through C++ frames and re-thrown unchanged by guard().
class PgError : public std::exception {
 public:
  explicit PgError(ErrorData* data) : data_(data) {}
  ErrorData* data() const noexcept { return data_; }
  const char* what() const noexcept override;

 private:
  ErrorData* data_;  // palloc'd copy in the caller's memory context
};

// An error raised from C++ with the SQLSTATE it should reach the client with.
class SqlError : public std::exception {
 public:
  SqlError(int sqlstate, std::string message, std::string detail = {}, std::string hint = {})
      : sqlstate_(sqlstate), message_(std::move(message)), detail_(std::move(detail)), hint_(std::move(hint)) {}
  int sqlstate() const noexcept { return sqlstate_; }
  const char* what() const noexcept override { return message_.c_str(); }
  const std::string& detail() const noexcept { return detail_; }
  const std::string& hint() const noexcept { return hint_; }

 private:
  int sqlstate_;
  std::string message_, detail_, hint_;
};

namespace detail {

// Plain data so a longjmp across the frame that holds it skips no destructor.
struct CaughtError {
  ErrorData* pg_error;
  int sqlstate;
  char message[1024];
  char detail[1024];
  char hint[512];
};

// Called inside a catch block: classifies the in-flight exception and copies it. Calls no Postgres function.
void capture_current_exception(CaughtError* out) noexcept;
// Called after the catch block has been left: reports the copied error through ereport. Does not return.
[[noreturn]] void raise(const CaughtError* err);

// Restores the error-handling globals that call() replaces, whichever way call() is left.
class ErrorStackSaver {
 public:
  ErrorStackSaver() noexcept
      : exception_stack_(PG_exception_stack), context_stack_(error_context_stack), memory_(CurrentMemoryContext) {}
  ~ErrorStackSaver() { restore(); }
  void restore() noexcept {
    PG_exception_stack = exception_stack_;
    error_context_stack = context_stack_;
  }
  MemoryContext memory() const noexcept { return memory_; }
  ErrorStackSaver(const ErrorStackSaver&) = delete;
  ErrorStackSaver& operator=(const ErrorStackSaver&) = delete;

 private:
  sigjmp_buf* exception_stack_;
  ErrorContextCallback* context_stack_;
  MemoryContext memory_;
};

// After a longjmp into call(): copy the pending ErrorData into the caller's context and clear the error state.
ErrorData* take_pending_error(MemoryContext into);

}  // namespace detail

template <class F>
decltype(auto) guard(F&& body) {
  detail::CaughtError err;
  try {
    return body();
  } catch (...) {
    detail::capture_current_exception(&err);
  }
  detail::raise(&err);
}

template <class F>
decltype(auto) call(F&& body) {
  using Result = decltype(body());
  detail::ErrorStackSaver saver;
  sigjmp_buf jump;
  if (sigsetjmp(jump, 0) == 0) {
    PG_exception_stack = &jump;
    if constexpr (std::is_void_v<Result>) {
      body();
      return;
    } else {
      return body();
    }
  }
  saver.restore();
  throw PgError(detail::take_pending_error(saver.memory()));
}

}  // namespace vx::pg

// Defines an SQL-callable C function `name` (exported, fmgr V1) whose body runs behind the boundary guard.
#define VX_FUNCTION(name)                                                        \
  extern "C" {                                                                   \
  PG_FUNCTION_INFO_V1(name);                                                     \
  }                                                                              \
  static Datum name##_body(FunctionCallInfo fcinfo);                             \
  extern "C" PGDLLEXPORT Datum name(PG_FUNCTION_ARGS) {                          \
    return ::vx::pg::guard([fcinfo]() -> Datum { return name##_body(fcinfo); }); \
  }                                                                              \
  static Datum name##_body(FunctionCallInfo fcinfo)
