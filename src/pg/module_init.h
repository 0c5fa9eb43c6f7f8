// Lets each subsystem register what _PG_init must do for it (define settings, reloption kinds) from its own file,
// with VX_ON_LOAD(function), so no central list has to change when a subsystem is added.
#pragma once

namespace vx::pg {
using LoadFunction = void (*)();
struct LoadRegistration {
  explicit LoadRegistration(LoadFunction f);
};
void run_load_functions();  // called once, from _PG_init, on the main thread
}  // namespace vx::pg

#define VX_ON_LOAD(function) static ::vx::pg::LoadRegistration vx_load_registration_##function(function)
