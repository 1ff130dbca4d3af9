// Copyright (c) 2026 The nbo Authors. MIT License.
//
// A throwaway public-key infrastructure for TLS tests, made at test time
// with the `openssl` command-line tool: a CA, a server certificate for
// "localhost" and 127.0.0.1, and a client certificate, all signed by the CA
// and valid for two days.
//
//   TempDir dir;
//   ASSERT_OK_AND_ASSIGN(TestPki pki, MakeTestPki(dir.Sub("pki")));
//   options.tls_cert_file = pki.server_cert;

#ifndef NBO_LIB_TESTING_TEST_PKI_H_
#define NBO_LIB_TESTING_TEST_PKI_H_

#include <string>

#include "absl/status/statusor.h"

namespace nbo::testing {

// Paths of PEM files.
struct TestPki {
  std::string ca_cert;
  std::string server_cert;
  std::string server_key;
  std::string client_cert;
  std::string client_key;
};

// The names the certificates carry by default (openssl's subjectAltName).
inline constexpr char kTestPkiNames[] = "DNS:localhost,IP:127.0.0.1,IP:::1";

// Creates `dir` and writes a fresh CA, server and client pair into it
// (EC P-256 keys, unencrypted); the server's certificate carries
// `server_names` (a test of name checks gives one without the addresses).
// INTERNAL when `openssl` fails or is missing (its output is in
// `dir`/openssl.log). Thread-compatible: each call has its own directory.
absl::StatusOr<TestPki> MakeTestPki(
    const std::string& dir, const std::string& server_names = kTestPkiNames);

}  // namespace nbo::testing

#endif  // NBO_LIB_TESTING_TEST_PKI_H_
