// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/testing/temp_dir.h"

#include <cstdlib>
#include <system_error>

#include "gtest/gtest.h"

namespace nbo::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TEST_TMPDIR");
  std::string templ =
      std::string(base != nullptr
                      ? base
                      : std::filesystem::temp_directory_path().string()) +
      "/nbo_test_XXXXXX";
  char* made = ::mkdtemp(templ.data());
  if (made == nullptr) {
    ADD_FAILURE() << "mkdtemp failed for " << templ;
  }
  path_ = templ;
}

TempDir::~TempDir() {
  std::error_code ignored;  // Best effort: a leftover temp dir is harmless.
  std::filesystem::remove_all(path_, ignored);
}

std::string TempDir::Sub(const std::string& name) const {
  return path_ + "/" + name;
}

}  // namespace nbo::testing
