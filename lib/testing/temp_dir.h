// Copyright (c) 2026 The nbo Authors. MIT License.

#ifndef NBO_LIB_TESTING_TEMP_DIR_H_
#define NBO_LIB_TESTING_TEMP_DIR_H_

#include <filesystem>
#include <string>

namespace nbo::testing {

// A fresh directory under $TEST_TMPDIR (or the system temp dir), removed with
// everything in it when the object is destroyed. Not thread-safe; tests own it.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path()/name.
  std::string Sub(const std::string& name) const;

 private:
  std::string path_;
};

}  // namespace nbo::testing

#endif  // NBO_LIB_TESTING_TEMP_DIR_H_
