// Ties the lifetime of a C++ object to a Postgres memory context (docs/architecture.md, "The boundary", rule 4): when the context is reset or
// deleted, including by error cleanup, the object is deleted. Use for anything a scan or build keeps across calls.
#pragma once

#include "pg/boundary.h"

#include <utility>

namespace vx::pg {

template <class T, class... Args>
T* make_context_owned(MemoryContext context, Args&&... args) {
  // The callback record comes from the context first: if palloc fails, no C++ object exists yet to leak.
  auto* callback = static_cast<MemoryContextCallback*>(MemoryContextAllocZero(context, sizeof(MemoryContextCallback)));
  T* object = new T(std::forward<Args>(args)...);
  callback->func = [](void* arg) { delete static_cast<T*>(arg); };
  callback->arg = object;
  MemoryContextRegisterResetCallback(context, callback);
  return object;
}

}  // namespace vx::pg
