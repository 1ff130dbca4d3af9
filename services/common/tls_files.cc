// Copyright (c) 2026 The nbo Authors. MIT License.

#include "services/common/tls_files.h"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <tuple>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "lib/common/status_macros.h"

namespace nbo::services {
namespace {

namespace fs = std::filesystem;

constexpr char kCurrent[] = "current";
constexpr char kCertName[] = "tls.crt";
constexpr char kKeyName[] = "tls.key";
constexpr char kCaName[] = "ca.crt";

// OpenSSL's reason for the last failure, or `fallback`; clears the queue.
std::string OpenSslReason(const char* fallback) {
  const unsigned long code = ERR_peek_last_error();
  const char* reason = code == 0 ? nullptr : ERR_reason_error_string(code);
  ERR_clear_error();
  return reason != nullptr ? reason : fallback;
}

absl::Status CannotLoad(const char* flag, const std::string& path,
                        const std::string& reason) {
  return absl::InvalidArgumentError(
      absl::StrCat("cannot load ", flag, " '", path, "': ", reason));
}

struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<FILE, FileCloser>;
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

absl::StatusOr<File> Open(const char* flag, const std::string& path) {
  File file(std::fopen(path.c_str(), "rb"));
  if (file == nullptr) return CannotLoad(flag, path, std::strerror(errno));
  return file;
}

// The first certificate of `path`, which must hold at least one.
absl::StatusOr<std::unique_ptr<X509, X509Free>> FirstCertificate(
    const char* flag, const std::string& path) {
  NBO_ASSIGN_OR_RETURN(File file, Open(flag, path));
  std::unique_ptr<X509, X509Free> cert(
      PEM_read_X509(file.get(), nullptr, nullptr, nullptr));
  if (cert == nullptr) {
    return CannotLoad(flag, path, OpenSslReason("no PEM certificate"));
  }
  return cert;
}

absl::StatusOr<std::unique_ptr<EVP_PKEY, KeyFree>> PrivateKey(
    const char* flag, const std::string& path) {
  NBO_ASSIGN_OR_RETURN(File file, Open(flag, path));
  // A null password callback with no data: an encrypted key fails here
  // instead of prompting on the terminal.
  std::unique_ptr<EVP_PKEY, KeyFree> key(PEM_read_PrivateKey(
      file.get(), nullptr, [](char*, int, int, void*) { return 0; }, nullptr));
  if (key == nullptr) {
    return CannotLoad(flag, path,
                      OpenSslReason("no unencrypted PEM private key"));
  }
  return key;
}

// The whole of `path`.
absl::StatusOr<std::string> ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string contents((std::istreambuf_iterator<char>(in)),
                       std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) {
    return absl::InternalError(absl::StrCat("cannot read '", path, "'"));
  }
  return contents;
}

// Writes `contents` to `path` with `mode` and the modification time
// `generation` seconds after the epoch: gRPC's watcher compares times
// before and after it reads, and distinct times per copy make a read that
// spans a swap start again.
absl::Status WriteStaged(const std::string& path, const std::string& contents,
                         mode_t mode, int generation) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, mode);
  if (fd < 0) {
    return absl::InternalError(
        absl::StrCat("cannot write '", path, "': ", std::strerror(errno)));
  }
  const bool written = ::write(fd, contents.data(), contents.size()) ==
                       static_cast<ssize_t>(contents.size());
  const timespec times[2] = {{generation, 0}, {generation, 0}};
  const bool stamped = ::futimens(fd, times) == 0;
  if (::close(fd) != 0 || !written || !stamped) {
    return absl::InternalError(absl::StrCat("cannot write '", path, "'"));
  }
  return absl::OkStatus();
}

std::string FileStamp(const std::string& path) {
  struct stat st;
  if (path.empty()) return "-";
  if (::stat(path.c_str(), &st) != 0) return "missing";
  return absl::StrCat(st.st_mtim.tv_sec, ".", st.st_mtim.tv_nsec, "/",
                      st.st_size, "/", st.st_ino);
}

std::string Key(const TlsFileSet& files) {
  return absl::StrCat(files.cert_file, "\n", files.key_file, "\n",
                      files.ca_file);
}

// The copies alive, by Key() of their originals.
absl::Mutex registry_mu(absl::kConstInit);
absl::flat_hash_map<std::string, std::weak_ptr<StagedTlsFiles>>& Registry()
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(registry_mu) {
  static auto* registry =
      new absl::flat_hash_map<std::string, std::weak_ptr<StagedTlsFiles>>();
  return *registry;
}

}  // namespace

TlsFileSet ServerFileSet(const TlsFiles& files) {
  return TlsFileSet{files.cert_file, files.key_file, files.client_ca_file};
}

absl::Status ValidateTlsFiles(const TlsFileSet& files,
                              const TlsFileNames& names) {
  if (files.cert_file.empty() != files.key_file.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("TLS needs both a certificate (", names.cert,
                     ") and its key (", names.key, ")"));
  }
  if (!files.cert_file.empty()) {
    NBO_ASSIGN_OR_RETURN(auto cert,
                         FirstCertificate(names.cert, files.cert_file));
    NBO_ASSIGN_OR_RETURN(auto key, PrivateKey(names.key, files.key_file));
    if (X509_check_private_key(cert.get(), key.get()) != 1) {
      ERR_clear_error();
      return absl::InvalidArgumentError(absl::StrCat(
          names.key, " '", files.key_file, "' does not match ", names.cert,
          " '", files.cert_file, "' (key values mismatch)"));
    }
  }
  if (!files.ca_file.empty()) {
    NBO_RETURN_IF_ERROR(FirstCertificate(names.ca, files.ca_file).status());
  }
  return absl::OkStatus();
}

std::string TlsFilesStamp(const TlsFileSet& files) {
  return absl::StrCat(FileStamp(files.cert_file), " ",
                      FileStamp(files.key_file), " ", FileStamp(files.ca_file));
}

absl::StatusOr<std::shared_ptr<StagedTlsFiles>> StagedTlsFiles::Get(
    const TlsFileSet& files, const TlsFileNames& names,
    absl::Duration check_interval) {
  NBO_RETURN_IF_ERROR(ValidateTlsFiles(files, names));
  absl::MutexLock lock(&registry_mu);
  if (std::shared_ptr<StagedTlsFiles> alive = Registry()[Key(files)].lock()) {
    return alive;
  }
  const char* tmp = std::getenv("TMPDIR");
  std::string dir = absl::StrCat(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp",
                                 "/nbo-tls-XXXXXX");
  if (::mkdtemp(dir.data()) == nullptr) {
    return absl::InternalError(absl::StrCat(
        "cannot make a directory for TLS files: ", std::strerror(errno)));
  }
  std::shared_ptr<StagedTlsFiles> staged(
      new StagedTlsFiles(files, names, dir, check_interval));
  staged->stamp_ = TlsFilesStamp(files);
  NBO_RETURN_IF_ERROR(staged->Stage());
  staged->watcher_ = std::thread([s = staged.get()] { s->Watch(); });
  Registry()[Key(files)] = staged;
  return staged;
}

StagedTlsFiles::StagedTlsFiles(TlsFileSet originals, TlsFileNames names,
                               std::string dir, absl::Duration check_interval)
    : originals_(std::move(originals)),
      names_(names),
      dir_(std::move(dir)),
      check_interval_(check_interval) {
  const std::string current = absl::StrCat(dir_, "/", kCurrent, "/");
  if (!originals_.cert_file.empty()) staged_.cert_file = current + kCertName;
  if (!originals_.key_file.empty()) staged_.key_file = current + kKeyName;
  if (!originals_.ca_file.empty()) staged_.ca_file = current + kCaName;
}

StagedTlsFiles::~StagedTlsFiles() {
  stop_.Notify();
  if (watcher_.joinable()) watcher_.join();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

int StagedTlsFiles::generation() const { return generation_.load(); }

absl::Status StagedTlsFiles::Stage() {
  const int next = generation_.load() + 1;
  const std::string name = absl::StrCat("g", next);
  const std::string target = absl::StrCat(dir_, "/", name);
  std::error_code ec;
  fs::remove_all(target, ec);
  if (!fs::create_directory(target, ec)) {
    return absl::InternalError(
        absl::StrCat("cannot make '", target, "': ", ec.message()));
  }
  // Read once, then check what was written: the originals may change
  // again while this runs.
  TlsFileSet copy;
  for (const auto& [from, to, file, mode] :
       {std::tuple(&originals_.cert_file, &copy.cert_file, kCertName, 0644),
        std::tuple(&originals_.key_file, &copy.key_file, kKeyName, 0600),
        std::tuple(&originals_.ca_file, &copy.ca_file, kCaName, 0644)}) {
    if (from->empty()) continue;
    NBO_ASSIGN_OR_RETURN(std::string contents, ReadAll(*from));
    *to = absl::StrCat(target, "/", file);
    NBO_RETURN_IF_ERROR(WriteStaged(*to, contents, mode, next));
  }
  if (absl::Status valid = ValidateTlsFiles(copy, names_); !valid.ok()) {
    fs::remove_all(target, ec);
    // The message names the copy; say which originals it came from.
    return absl::Status(
        valid.code(),
        absl::StrCat(valid.message(), " (copied from ", originals_.cert_file,
                     " ", originals_.key_file, " ", originals_.ca_file, ")"));
  }
  const std::string link = absl::StrCat(dir_, "/", kCurrent);
  const std::string temp_link = absl::StrCat(dir_, "/.", kCurrent, ".tmp");
  fs::remove(temp_link, ec);
  if (::symlink(name.c_str(), temp_link.c_str()) != 0 ||
      ::rename(temp_link.c_str(), link.c_str()) != 0) {
    return absl::InternalError(absl::StrCat("cannot swap in TLS files at '",
                                            link, "': ", std::strerror(errno)));
  }
  generation_.store(next);
  // The copy before the previous one: nothing can still be reading it.
  if (next > 2) fs::remove_all(absl::StrCat(dir_, "/g", next - 2), ec);
  return absl::OkStatus();
}

void StagedTlsFiles::Watch() {
  while (!stop_.WaitForNotificationWithTimeout(check_interval_)) {
    std::string stamp = TlsFilesStamp(originals_);
    if (stamp == stamp_) continue;
    stamp_ = std::move(stamp);
    if (absl::Status staged = Stage(); !staged.ok()) {
      // Names files and OpenSSL's reason, never their contents. The same
      // files are not tried again until they change again.
      std::fprintf(stderr,
                   "nbo: TLS files changed but do not check out; keeping the "
                   "previous ones: %s\n",
                   std::string(staged.message()).c_str());
    }
  }
}

}  // namespace nbo::services
