// Test helper: the Error an AegisError carried out of `f` (a test failure when nothing was thrown).
#pragma once

#include <gtest/gtest.h>

#include <functional>

#include "aegis/error.h"

namespace aegis::test_util {

inline Error error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const AegisError& e) {
    return e.error();
  }
  ADD_FAILURE() << "no error";
  return {};
}

}  // namespace aegis::test_util
