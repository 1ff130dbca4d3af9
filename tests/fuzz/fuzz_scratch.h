// Copyright (c) 2026 The nbo Authors. MIT License.
//
// What the fuzz targets share: a scratch directory for code under test that
// reads files by path, and a way to report a broken property.

#ifndef NBO_TESTS_FUZZ_FUZZ_SCRATCH_H_
#define NBO_TESTS_FUZZ_FUZZ_SCRATCH_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace nbo::fuzz {

// A directory of its own for one fuzzing process (libFuzzer's -jobs and
// -workers start several), removed with its contents at exit. It lives on
// tmpfs (/dev/shm) when the machine has one, so that writing each input and
// reading it back stays in memory; $NBO_FUZZ_TMPDIR overrides the choice.
//
// Not thread-safe: libFuzzer runs one input at a time.
class ScratchDir {
 public:
  // The process's directory, created on first use. Aborts if it cannot be.
  static ScratchDir& Get();

  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }
  // path()/name.
  std::string Sub(absl::string_view name) const;

  // Replaces path()/name with `data` and returns that path. Aborts on a
  // write error: a fuzz run must not silently test an empty file.
  std::string Write(absl::string_view name, absl::string_view data) const;
  std::string Write(absl::string_view name, const uint8_t* data,
                    size_t size) const {
    return Write(name,
                 absl::string_view(reinterpret_cast<const char*>(data), size));
  }

 private:
  ScratchDir();
  ~ScratchDir();

  std::string path_;
};

// Reports a broken property of the code under test and aborts, which
// libFuzzer records as a crash with the input that caused it.
[[noreturn]] void Violated(absl::string_view property);

// Aborts with `property` unless `condition` holds.
inline void Check(bool condition, absl::string_view property) {
  if (!condition) Violated(property);
}

}  // namespace nbo::fuzz

#endif  // NBO_TESTS_FUZZ_FUZZ_SCRATCH_H_
