// Copyright (c) 2026 The nbo Authors. MIT License.
//
// Hostile HTTP clients for tests of servers that must not be blocked by
// them: idle connections that never send a byte, and slowloris connections
// that trickle a request header one byte at a time and never finish it.
//
//   SlowClients::Options options;
//   options.port = server->port();
//   ASSERT_OK_AND_ASSIGN(auto attack, SlowClients::Start(options));
//   ASSERT_TRUE(attack->WaitForRounds(2, absl::Seconds(10)));
//   ... a real client must still be served ...

#ifndef NBO_LIB_TESTING_SLOW_CLIENTS_H_
#define NBO_LIB_TESTING_SLOW_CLIENTS_H_

#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "lib/testing/tcp_client.h"

namespace nbo::testing {

// Opens its connections in Start and trickles on a thread of its own until
// destroyed, which closes them all. Thread-safe.
class SlowClients {
 public:
  struct Options {
    // Port on 127.0.0.1 to connect to. Required.
    int port = 0;
    // Connections that send nothing. Default: 50.
    int idle = 50;
    // Connections that send one byte every `interval`. Default: 50.
    int slow = 50;
    // Default: 200 ms.
    absl::Duration interval = absl::Milliseconds(200);
  };

  // Connects every client and starts trickling. UNAVAILABLE if a
  // connection cannot be made.
  static absl::StatusOr<std::unique_ptr<SlowClients>> Start(Options options);

  ~SlowClients();
  SlowClients(const SlowClients&) = delete;
  SlowClients& operator=(const SlowClients&) = delete;

  // True once every slow client has been sent (or has failed to be sent,
  // because the server closed it) `rounds` bytes; false after `timeout`.
  bool WaitForRounds(int rounds, absl::Duration timeout);

 private:
  explicit SlowClients(Options options) : options_(options) {}
  void Trickle();

  const Options options_;
  std::vector<std::unique_ptr<TcpClient>> idle_;
  // Owned by the trickling thread once it runs.
  std::vector<std::unique_ptr<TcpClient>> slow_;
  absl::Notification stop_;
  std::thread thread_;
  absl::Mutex mu_;
  int rounds_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace nbo::testing

#endif  // NBO_LIB_TESTING_SLOW_CLIENTS_H_
