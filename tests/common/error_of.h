// Test helper shared by the C++ test binaries: the Error an AegisError carried out of `f`.
#pragma once

#include <gtest/gtest.h>

#include <functional>

#include "aegis/core/error.h"

namespace aegis::testing {

// Runs `f` and returns the AegisError it throws; fails the test when it throws nothing.
inline Error error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const AegisError& e) {
    return e.error();
  }
  ADD_FAILURE() << "expected an AegisError";
  return {};
}

}  // namespace aegis::testing
