// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/testing/tcp_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"

namespace nbo::testing {
namespace {

std::string ErrnoText(absl::string_view what) {
  return absl::StrCat(what, ": ", std::strerror(errno));
}

// The value of Content-Length in an HTTP header block; -1 if absent.
int64_t ContentLength(absl::string_view header) {
  for (absl::string_view line : absl::StrSplit(header, "\r\n")) {
    const size_t colon = line.find(':');
    if (colon == absl::string_view::npos) continue;
    if (!absl::EqualsIgnoreCase(line.substr(0, colon), "content-length")) {
      continue;
    }
    int64_t length = -1;
    if (absl::SimpleAtoi(absl::StripAsciiWhitespace(line.substr(colon + 1)),
                         &length)) {
      return length;
    }
  }
  return -1;
}

}  // namespace

absl::StatusOr<std::unique_ptr<TcpClient>> TcpClient::Connect(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::UnavailableError(ErrnoText("socket"));
  std::unique_ptr<TcpClient> client(new TcpClient(fd));
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) !=
      0) {
    return absl::UnavailableError(
        ErrnoText(absl::StrCat("connect to port ", port)));
  }
  return client;
}

TcpClient::~TcpClient() { ::close(fd_); }

absl::Status TcpClient::Send(absl::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::UnavailableError(ErrnoText("send"));
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> TcpClient::ReadSome(absl::Time deadline) {
  while (true) {
    const absl::Duration left =
        std::max(deadline - absl::Now(), absl::ZeroDuration());
    pollfd p = {fd_, POLLIN, 0};
    const int ready =
        ::poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(left)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return absl::UnavailableError(ErrnoText("poll"));
    if (ready == 0) return absl::DeadlineExceededError("nothing to read");
    char buffer[16384];
    const ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return absl::UnavailableError(ErrnoText("recv"));
    return std::string(buffer, static_cast<size_t>(n));
  }
}

absl::StatusOr<std::string> TcpClient::ReadUntilClosed(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  std::string all = std::move(pending_);
  pending_.clear();
  while (true) {
    absl::StatusOr<std::string> some = ReadSome(deadline);
    if (!some.ok()) return some.status();
    if (some->empty()) return all;
    all += *some;
  }
}

absl::StatusOr<std::string> TcpClient::ReadResponse(absl::Duration timeout,
                                                    bool has_body) {
  const absl::Time deadline = absl::Now() + timeout;
  size_t header_end = pending_.find("\r\n\r\n");
  while (header_end == std::string::npos) {
    absl::StatusOr<std::string> some = ReadSome(deadline);
    if (!some.ok()) return some.status();
    if (some->empty()) return absl::UnavailableError("closed before answering");
    pending_ += *some;
    header_end = pending_.find("\r\n\r\n");
  }
  header_end += 4;
  const int64_t length =
      has_body
          ? ContentLength(absl::string_view(pending_).substr(0, header_end))
          : 0;
  if (length < 0) return absl::InternalError("answer has no Content-Length");
  const size_t end = header_end + static_cast<size_t>(length);
  while (pending_.size() < end) {
    absl::StatusOr<std::string> some = ReadSome(deadline);
    if (!some.ok()) return some.status();
    if (some->empty()) return absl::UnavailableError("closed inside the body");
    pending_ += *some;
  }
  std::string answer = pending_.substr(0, end);
  pending_.erase(0, end);
  return answer;
}

bool TcpClient::WaitForClose(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    absl::StatusOr<std::string> some = ReadSome(deadline);
    if (absl::IsDeadlineExceeded(some.status())) return false;
    if (!some.ok() || some->empty()) return true;
  }
}

}  // namespace nbo::testing
