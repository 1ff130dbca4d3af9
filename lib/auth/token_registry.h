// Copyright (c) 2026 The nbo Authors. MIT License.

#ifndef NBO_LIB_AUTH_TOKEN_REGISTRY_H_
#define NBO_LIB_AUTH_TOKEN_REGISTRY_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "lib/auth/role.h"
#include "lib/auth/token_file.h"

namespace nbo::auth {

// Who a valid token belongs to.
struct Principal {
  // The token's NAME in the file ("admin_token" for --admin_token).
  std::string name;
  // Its roles with the implied ones (RoleSet::WithImplied).
  RoleSet roles;
};

// The tokens a server accepts: the lines of a token file (token_file.h)
// plus, optionally, one admin token given in the clear (--admin_token).
// Authenticate() hashes the presented token and compares it with every
// known hash in constant time (CRYPTO_memcmp, no early exit), so neither the
// answer's timing nor its content tells which bytes of a guess were right.
//
// The file is re-read when it changes: at most once per `reload_interval`,
// Authenticate() stats it (inode, size, mtime) and, when that differs from
// the last read, parses it again. A file that no longer parses (or cannot be
// read) keeps the tokens already loaded and is reported through `on_error`
// once per change; the next good version replaces them whole.
//
// Thread-safe. Readers copy a shared_ptr to an immutable snapshot under a
// mutex held for the copy only; a reload parses without any lock a reader
// waits on.
class TokenRegistry {
 public:
  struct Options {
    // Token file; "" for none. Default: "".
    std::string tokens_file;
    // A token in the clear with role admin, named "admin_token"; "" for
    // none. Default: "".
    std::string admin_token;
    // How often Authenticate() looks at the file for changes; zero looks on
    // every call. Default: 1 s.
    absl::Duration reload_interval = absl::Seconds(1);
    // Told why a changed file was not loaded. Default: a line on stderr.
    std::function<void(const absl::Status&)> on_error;
    // Told how many tokens a changed file brought. Default: a line on stderr.
    std::function<void(size_t tokens)> on_reload;
    // The clock for reload_interval. Default: absl::Now.
    std::function<absl::Time()> now;
  };

  // INVALID_ARGUMENT when `tokens_file` does not parse (token_file.h's
  // message), NOT_FOUND when it does not exist, INTERNAL when it cannot be
  // read. With neither a file nor an admin token the registry is empty and
  // open() is true.
  static absl::StatusOr<std::unique_ptr<TokenRegistry>> Create(Options options);

  // Whether no token is configured: every caller is let in (the local
  // demo's mode). Fixed at Create: a file, once given, keeps it closed.
  bool open() const { return open_; }

  // The principal `token` belongs to, or nullopt when it is nobody's.
  // May reload the file first (see the class comment).
  std::optional<Principal> Authenticate(absl::string_view token)
      ABSL_LOCKS_EXCLUDED(mu_, reload_mu_);

  // Re-reads the file if its inode, size or mtime changed since the last
  // read. OK when unchanged or reloaded; the parse or read error when the
  // old tokens were kept. Tests call it to reload without waiting.
  absl::Status ReloadIfChanged() ABSL_LOCKS_EXCLUDED(mu_, reload_mu_);

  // Tokens now accepted.
  size_t size() const ABSL_LOCKS_EXCLUDED(mu_);

  ~TokenRegistry();

 private:
  struct Snapshot;
  struct FileStamp {
    uint64_t inode = 0;
    uint64_t device = 0;
    int64_t size = -1;
    int64_t mtime_ns = 0;
    bool operator==(const FileStamp& other) const = default;
  };

  explicit TokenRegistry(Options options);
  // Fills `stamp` from stat(2) of `path` (symlinks followed, so a
  // Kubernetes Secret's atomic swap counts as a change); errno on failure.
  static int Stat(const std::string& path, FileStamp* stamp);
  absl::StatusOr<std::shared_ptr<const Snapshot>> Load(FileStamp* stamp) const;
  std::shared_ptr<const Snapshot> snapshot() const ABSL_LOCKS_EXCLUDED(mu_);

  const Options options_;
  bool open_ = true;
  std::optional<TokenEntry> admin_entry_;

  mutable absl::Mutex mu_;
  std::shared_ptr<const Snapshot> snapshot_ ABSL_GUARDED_BY(mu_);

  // Held by the one caller that stats and maybe re-reads the file.
  absl::Mutex reload_mu_ ABSL_ACQUIRED_AFTER(mu_);
  FileStamp stamp_ ABSL_GUARDED_BY(reload_mu_);
  // The stamp of a file that failed to load, so one bad version is
  // reported once, not on every check.
  std::optional<FileStamp> failed_stamp_ ABSL_GUARDED_BY(reload_mu_);
  // When Authenticate() next looks at the file, in absl::ToUnixNanos; an
  // atomic so that the common case (not yet) takes no lock.
  std::atomic<int64_t> next_check_ns_{std::numeric_limits<int64_t>::min()};
};

}  // namespace nbo::auth

#endif  // NBO_LIB_AUTH_TOKEN_REGISTRY_H_
