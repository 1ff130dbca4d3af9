// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/testing/slow_clients.h"

#include <string>
#include <utility>

namespace nbo::testing {

absl::StatusOr<std::unique_ptr<SlowClients>> SlowClients::Start(
    Options options) {
  std::unique_ptr<SlowClients> clients(new SlowClients(options));
  for (int i = 0; i < options.idle + options.slow; ++i) {
    absl::StatusOr<std::unique_ptr<TcpClient>> client =
        TcpClient::Connect(options.port);
    if (!client.ok()) return client.status();
    (i < options.idle ? clients->idle_ : clients->slow_)
        .push_back(*std::move(client));
  }
  SlowClients* raw = clients.get();
  clients->thread_ = std::thread([raw] { raw->Trickle(); });
  return clients;
}

SlowClients::~SlowClients() {
  stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

bool SlowClients::WaitForRounds(int rounds, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  const auto done = [this, rounds]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return rounds_ >= rounds;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&done), timeout);
}

void SlowClients::Trickle() {
  // A header that never ends: after the request line, one field whose value
  // grows forever.
  const std::string header = "GET /metrics HTTP/1.1\r\nX-Slow: ";
  size_t at = 0;
  do {
    const std::string byte = at < header.size() ? header.substr(at, 1) : "a";
    ++at;
    for (const std::unique_ptr<TcpClient>& client : slow_) {
      // A server that closed a slow client has done its job; keep going.
      client->Send(byte).IgnoreError();
    }
    absl::MutexLock lock(&mu_);
    ++rounds_;
  } while (!stop_.WaitForNotificationWithTimeout(options_.interval));
}

}  // namespace nbo::testing
