// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/testing/test_pki.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace nbo::testing {
namespace {

// Runs `command` with /bin/sh, its output appended to `dir`/openssl.log.
// INTERNAL if it does not exit 0.
absl::Status Run(const std::string& dir, const std::string& command) {
  const int rc = std::system(
      absl::StrCat(command, " >>'", dir, "/openssl.log' 2>&1").c_str());
  if (rc != 0) {
    return absl::InternalError(
        absl::StrCat("'", command, "' failed with status ", rc));
  }
  return absl::OkStatus();
}

// Issues `name`.pem and `name`.key in `dir` for `subject`, signed by the
// CA in `dir`, with the extensions in `ext_file`.
absl::Status Issue(const std::string& dir, const std::string& name,
                   const std::string& subject, const std::string& ext_file,
                   int serial) {
  const std::string base = absl::StrCat(dir, "/", name);
  if (absl::Status s =
          Run(dir, absl::StrCat("openssl req -new -newkey ec -pkeyopt "
                                "ec_paramgen_curve:prime256v1 "
                                "-nodes -keyout '",
                                base, ".key' -out '", base, ".csr' -subj '",
                                subject, "'"));
      !s.ok()) {
    return s;
  }
  return Run(
      dir,
      absl::StrCat("openssl x509 -req -in '", base, ".csr' -CA '", dir,
                   "/ca.pem' -CAkey '", dir, "/ca.key' -set_serial ", serial,
                   " -days 2 -extfile '", ext_file, "' -out '", base, ".pem'"));
}

}  // namespace

absl::StatusOr<TestPki> MakeTestPki(const std::string& dir,
                                    const std::string& server_names) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return absl::InternalError(
        absl::StrCat("cannot create ", dir, ": ", ec.message()));
  }
  if (absl::Status s = Run(
          dir, absl::StrCat("openssl req -x509 -newkey ec -pkeyopt "
                            "ec_paramgen_curve:prime256v1 "
                            "-nodes -keyout '",
                            dir, "/ca.key' -out '", dir,
                            "/ca.pem' -days 2 -subj '/CN=nbo test CA' "
                            "-addext basicConstraints=critical,CA:TRUE "
                            "-addext keyUsage=critical,keyCertSign,cRLSign"));
      !s.ok()) {
    return s;
  }
  const std::string ext_file = absl::StrCat(dir, "/leaf.ext");
  const std::string server_ext_file = absl::StrCat(dir, "/server.ext");
  for (const auto& [path, names] :
       {std::pair(ext_file, std::string(kTestPkiNames)),
        std::pair(server_ext_file, server_names)}) {
    std::ofstream(path) << "basicConstraints=CA:FALSE\n"
                           "keyUsage=critical,digitalSignature\n"
                           "extendedKeyUsage=serverAuth,clientAuth\n"
                           "subjectAltName="
                        << names << "\n";
  }
  if (absl::Status s =
          Issue(dir, "server", "/CN=localhost", server_ext_file, 2);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = Issue(dir, "client", "/CN=nbo test client", ext_file, 3);
      !s.ok()) {
    return s;
  }
  TestPki pki;
  pki.ca_cert = absl::StrCat(dir, "/ca.pem");
  pki.server_cert = absl::StrCat(dir, "/server.pem");
  pki.server_key = absl::StrCat(dir, "/server.key");
  pki.client_cert = absl::StrCat(dir, "/client.pem");
  pki.client_key = absl::StrCat(dir, "/client.key");
  return pki;
}

}  // namespace nbo::testing
