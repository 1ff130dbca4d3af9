// Copyright (c) 2026 The nbo Authors. MIT License.

#include "tests/fuzz/fuzz_scratch.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <vector>

#include "absl/strings/str_cat.h"

namespace nbo::fuzz {
namespace {

// Where to make the directory: $NBO_FUZZ_TMPDIR, else tmpfs, else the
// system's temporary directory.
std::string Parent() {
  if (const char* dir = std::getenv("NBO_FUZZ_TMPDIR"); dir && *dir) {
    return dir;
  }
  if (access("/dev/shm", W_OK | X_OK) == 0) return "/dev/shm";
  if (const char* dir = std::getenv("TMPDIR"); dir && *dir) return dir;
  return "/tmp";
}

}  // namespace

ScratchDir& ScratchDir::Get() {
  // Destroyed at exit after every static created later (the publish
  // target's store), so the directory outlives what uses it.
  static ScratchDir dir;
  return dir;
}

ScratchDir::ScratchDir() {
  std::string pattern = absl::StrCat(Parent(), "/nbo-fuzz-XXXXXX");
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (mkdtemp(buffer.data()) == nullptr) {
    std::perror(pattern.c_str());
    std::abort();
  }
  path_ = buffer.data();
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string ScratchDir::Sub(absl::string_view name) const {
  return absl::StrCat(path_, "/", name);
}

std::string ScratchDir::Write(absl::string_view name,
                              absl::string_view data) const {
  std::string path = Sub(name);
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) {
    std::perror(path.c_str());
    std::abort();
  }
  const size_t written = std::fwrite(data.data(), 1, data.size(), file);
  if (std::fclose(file) != 0 || written != data.size()) {
    std::fprintf(stderr, "%s: write failed\n", path.c_str());
    std::abort();
  }
  return path;
}

void Violated(absl::string_view property) {
  std::fprintf(stderr, "nbo fuzz: property violated: %.*s\n",
               static_cast<int>(property.size()), property.data());
  std::abort();
}

}  // namespace nbo::fuzz
