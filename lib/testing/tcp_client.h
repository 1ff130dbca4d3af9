// Copyright (c) 2026 The nbo Authors. MIT License.
//
// A raw TCP connection to a server on loopback, for tests that play HTTP
// clients byte by byte: well-behaved ones, and idle or trickling ones.
//
//   ASSERT_OK_AND_ASSIGN(auto client, TcpClient::Connect(port));
//   ASSERT_THAT(client->Send("GET /metrics HTTP/1.0\r\n\r\n"), IsOk());
//   ASSERT_OK_AND_ASSIGN(std::string answer,
//                        client->ReadUntilClosed(absl::Seconds(5)));

#ifndef NBO_LIB_TESTING_TCP_CLIENT_H_
#define NBO_LIB_TESTING_TCP_CLIENT_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace nbo::testing {

// One connection to 127.0.0.1:port, closed when the object is destroyed.
// Not thread-safe: one thread drives it.
class TcpClient {
 public:
  // UNAVAILABLE if the connection cannot be made.
  static absl::StatusOr<std::unique_ptr<TcpClient>> Connect(int port);

  ~TcpClient();
  TcpClient(const TcpClient&) = delete;
  TcpClient& operator=(const TcpClient&) = delete;

  // Sends all of `bytes`. UNAVAILABLE once the peer has closed or reset the
  // connection.
  absl::Status Send(absl::string_view bytes);

  // Everything the peer sends until it closes the connection.
  // DEADLINE_EXCEEDED if it is still open after `timeout`; UNAVAILABLE if it
  // was reset (the bytes before the reset are lost).
  absl::StatusOr<std::string> ReadUntilClosed(absl::Duration timeout);

  // One HTTP/1.1 answer on a connection that stays open: the header and the
  // Content-Length bytes of body that follow it (none when `has_body` is
  // false, as for HEAD). DEADLINE_EXCEEDED if it is not complete within
  // `timeout`; UNAVAILABLE if the peer closes first; INTERNAL if the header
  // has no Content-Length.
  absl::StatusOr<std::string> ReadResponse(absl::Duration timeout,
                                           bool has_body = true);

  // True when the peer closes or resets the connection within `timeout`;
  // whatever it sends meanwhile is discarded.
  bool WaitForClose(absl::Duration timeout);

 private:
  explicit TcpClient(int fd) : fd_(fd) {}
  // Up to one read of what the peer sent, waiting at most until `deadline`:
  // the bytes (empty at end of stream). DEADLINE_EXCEEDED when nothing came;
  // UNAVAILABLE on a reset.
  absl::StatusOr<std::string> ReadSome(absl::Time deadline);

  const int fd_;
  // Read past the end of the last answer ReadResponse returned.
  std::string pending_;
};

}  // namespace nbo::testing

#endif  // NBO_LIB_TESTING_TCP_CLIENT_H_
