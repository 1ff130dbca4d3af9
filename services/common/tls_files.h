// Copyright (c) 2026 The nbo Authors. MIT License.
//
// The PEM files of a TLS endpoint, checked, and kept as a private copy that
// only ever changes whole: what our gRPC listeners and channels hand to
// gRPC's file watcher.
//
// gRPC 1.51's FileWatcherCertificateProvider re-reads the files it is given
// every interval but never checks them: a key written in place over its
// certificate's (or truncated on the way) makes every new handshake fail,
// and an empty key aborts the process. So gRPC is pointed at a staged copy
// instead: StagedTlsFiles checks every change of the operator's files (it
// parses them and matches key to certificate) and only then swaps a new
// copy in, by renaming a directory symlink, as a Kubernetes Secret volume
// does. A change that does not check out keeps the previous copy and says
// why on stderr.
//
//   NBO_ASSIGN_OR_RETURN(std::shared_ptr<StagedTlsFiles> staged,
//                        StagedTlsFiles::Get(files, kServerNames,
//                                            absl::Seconds(5)));
//   FileWatcherCertificateProvider(staged->files().key_file, ...);

#ifndef NBO_SERVICES_COMMON_TLS_FILES_H_
#define NBO_SERVICES_COMMON_TLS_FILES_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace nbo::services {

// A TLS server's files.
struct TlsFiles {
  // PEM certificate chain (leaf first) and its private key. Required.
  std::string cert_file;
  std::string key_file;
  // PEM CA certificates; when set, clients must present a certificate
  // signed by one of them. Default: empty (no client certificate asked).
  std::string client_ca_file;
};

// One endpoint's files, server or client: its own certificate chain and key
// (both or neither) and the CA bundle it verifies its peers with. Any may be
// empty.
struct TlsFileSet {
  std::string cert_file;
  std::string key_file;
  std::string ca_file;

  bool operator==(const TlsFileSet&) const = default;
};

// What the files are called in messages: the flags that name them.
struct TlsFileNames {
  const char* cert = "cert_file";
  const char* key = "key_file";
  const char* ca = "ca_file";
};

// The names of TlsFiles' flags on our servers.
inline constexpr TlsFileNames kServerTlsNames{"tls_cert", "tls_key",
                                              "tls_client_ca"};

// The set a server presents and verifies clients with.
TlsFileSet ServerFileSet(const TlsFiles& files);

// OK when every file `files` names parses as PEM (at least one certificate
// in cert_file and ca_file, a private key in key_file) and the key belongs
// to the first certificate. INVALID_ARGUMENT naming the flag, the path and
// OpenSSL's reason otherwise, or when only one of cert_file and key_file is
// set. Never quotes the files' contents.
absl::Status ValidateTlsFiles(const TlsFileSet& files,
                              const TlsFileNames& names);

// Modification time, size and inode of each of `files`; any change to a
// file, or its appearance or removal, changes the stamp. For watchers.
std::string TlsFilesStamp(const TlsFileSet& files);

// A checked private copy of a TlsFileSet, in a directory of its own under
// $TMPDIR (or /tmp), replaced whole when the originals change and check
// out. Thread-safe; a thread per instance looks at the originals.
class StagedTlsFiles {
 public:
  // The copy of `files`, shared by every caller that asks for the same
  // files while one is alive (the first caller's interval counts).
  // Validates first: the codes of ValidateTlsFiles; INTERNAL when the copy
  // cannot be written.
  static absl::StatusOr<std::shared_ptr<StagedTlsFiles>> Get(
      const TlsFileSet& files, const TlsFileNames& names,
      absl::Duration check_interval);

  StagedTlsFiles(const StagedTlsFiles&) = delete;
  StagedTlsFiles& operator=(const StagedTlsFiles&) = delete;
  // Stops the watcher and removes the copy.
  ~StagedTlsFiles();

  // Paths of the copy (through the directory symlink, so they always name
  // the current whole set); empty where the original is empty.
  const TlsFileSet& files() const { return staged_; }

  // Copies made so far (1 after Get). For tests.
  int generation() const;

 private:
  StagedTlsFiles(TlsFileSet originals, TlsFileNames names, std::string dir,
                 absl::Duration check_interval);

  // Copies the originals into a new generation directory, checks the copy,
  // and points the symlink at it. The error of the check, or INTERNAL.
  absl::Status Stage();
  void Watch();

  const TlsFileSet originals_;
  const TlsFileNames names_;
  const std::string dir_;
  const absl::Duration check_interval_;
  TlsFileSet staged_;
  std::atomic<int> generation_{0};
  std::string stamp_;  // Of the originals when last looked at.
  absl::Notification stop_;
  std::thread watcher_;
};

}  // namespace nbo::services

#endif  // NBO_SERVICES_COMMON_TLS_FILES_H_
