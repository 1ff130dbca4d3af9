// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/auth/token_registry.h"

#include <openssl/crypto.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"

namespace nbo::auth {

struct TokenRegistry::Snapshot {
  std::vector<TokenEntry> entries;
};

namespace {

absl::Status ReadWhole(const std::string& path, std::string* contents) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InternalError(
        absl::StrCat(path, ": cannot read: ", std::strerror(errno)));
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return absl::InternalError(absl::StrCat(path, ": read error"));
  *contents = std::move(buffer).str();
  return absl::OkStatus();
}

}  // namespace

int TokenRegistry::Stat(const std::string& path, FileStamp* stamp) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return errno;
  *stamp = FileStamp{static_cast<uint64_t>(st.st_ino),
                     static_cast<uint64_t>(st.st_dev),
                     static_cast<int64_t>(st.st_size),
                     static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 +
                         st.st_mtim.tv_nsec};
  return 0;
}

TokenRegistry::TokenRegistry(Options options) : options_(std::move(options)) {}

TokenRegistry::~TokenRegistry() = default;

absl::StatusOr<std::unique_ptr<TokenRegistry>> TokenRegistry::Create(
    Options options) {
  if (!options.on_error) {
    options.on_error = [](const absl::Status& status) {
      std::fprintf(stderr,
                   "nbo: WARNING: token file not reloaded, the previous "
                   "tokens stay in force: %s\n",
                   std::string(status.message()).c_str());
    };
  }
  if (!options.on_reload) {
    options.on_reload = [](size_t tokens) {
      std::fprintf(stderr, "nbo: token file reloaded: %zu tokens\n", tokens);
    };
  }
  if (!options.now) options.now = [] { return absl::Now(); };
  std::unique_ptr<TokenRegistry> registry(
      new TokenRegistry(std::move(options)));
  const Options& o = registry->options_;
  registry->open_ = o.tokens_file.empty() && o.admin_token.empty();
  if (!o.admin_token.empty()) {
    registry->admin_entry_ =
        TokenEntry{"admin_token", {}, HashToken(o.admin_token)};
    registry->admin_entry_->roles.Add(Role::kAdmin);
  }
  FileStamp stamp;
  absl::StatusOr<std::shared_ptr<const Snapshot>> loaded =
      registry->Load(&stamp);
  if (!loaded.ok()) return loaded.status();
  absl::MutexLock reload_lock(&registry->reload_mu_);
  absl::MutexLock lock(&registry->mu_);
  registry->stamp_ = stamp;
  registry->snapshot_ = *std::move(loaded);
  return registry;
}

absl::StatusOr<std::shared_ptr<const TokenRegistry::Snapshot>>
TokenRegistry::Load(FileStamp* stamp) const {
  auto snapshot = std::make_shared<Snapshot>();
  if (!options_.tokens_file.empty()) {
    if (const int error = Stat(options_.tokens_file, stamp); error != 0) {
      const std::string message =
          absl::StrCat(options_.tokens_file, ": ", std::strerror(error));
      return error == ENOENT ? absl::NotFoundError(message)
                             : absl::InternalError(message);
    }
    std::string contents;
    if (absl::Status read = ReadWhole(options_.tokens_file, &contents);
        !read.ok()) {
      return read;
    }
    absl::StatusOr<std::vector<TokenEntry>> entries =
        ParseTokenFile(contents, options_.tokens_file);
    if (!entries.ok()) return entries.status();
    snapshot->entries = *std::move(entries);
  }
  if (admin_entry_.has_value()) {
    for (const TokenEntry& entry : snapshot->entries) {
      if (entry.name == admin_entry_->name) {
        return absl::InvalidArgumentError(
            absl::StrCat(options_.tokens_file,
                         ": the name 'admin_token' is taken by --admin_token"));
      }
    }
    snapshot->entries.push_back(*admin_entry_);
  }
  return snapshot;
}

std::shared_ptr<const TokenRegistry::Snapshot> TokenRegistry::snapshot() const {
  absl::MutexLock lock(&mu_);
  return snapshot_;
}

size_t TokenRegistry::size() const { return snapshot()->entries.size(); }

absl::Status TokenRegistry::ReloadIfChanged() {
  if (options_.tokens_file.empty()) return absl::OkStatus();
  absl::MutexLock reload_lock(&reload_mu_);
  FileStamp now;
  // A file that cannot be stat'ed has the empty stamp; Load says why.
  Stat(options_.tokens_file, &now);
  if (now == stamp_) return absl::OkStatus();
  FileStamp loaded_stamp;
  absl::StatusOr<std::shared_ptr<const Snapshot>> loaded = Load(&loaded_stamp);
  if (!loaded.ok()) {
    if (failed_stamp_ != now) options_.on_error(loaded.status());
    failed_stamp_ = now;
    return loaded.status();
  }
  stamp_ = loaded_stamp;
  failed_stamp_.reset();
  const size_t tokens = (*loaded)->entries.size();
  {
    absl::MutexLock lock(&mu_);
    snapshot_ = *std::move(loaded);
  }
  options_.on_reload(tokens);
  return absl::OkStatus();
}

std::optional<Principal> TokenRegistry::Authenticate(absl::string_view token) {
  const int64_t now_ns = absl::ToUnixNanos(options_.now());
  if (now_ns >= next_check_ns_.load(std::memory_order_relaxed)) {
    next_check_ns_.store(
        now_ns + absl::ToInt64Nanoseconds(options_.reload_interval),
        std::memory_order_relaxed);
    // A failed reload keeps the old tokens and has been reported.
    ReloadIfChanged().IgnoreError();
  }
  const TokenHash presented = HashToken(token);
  const std::shared_ptr<const Snapshot> current = snapshot();
  const TokenEntry* match = nullptr;
  // Every entry is compared, whatever matched before, so the time taken
  // does not depend on where (or whether) the token is in the file. The
  // first match wins: a file line (the name an operator chose) over the
  // --admin_token entry appended after them, when both hold one token.
  for (const TokenEntry& entry : current->entries) {
    const bool equal = CRYPTO_memcmp(entry.hash.data(), presented.data(),
                                     presented.size()) == 0;
    if (equal && match == nullptr) match = &entry;
  }
  if (match == nullptr) return std::nullopt;
  return Principal{match->name, RoleSet::WithImplied(match->roles)};
}

}  // namespace nbo::auth
