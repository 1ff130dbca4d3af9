// Copyright (c) 2026 The nbo Authors. MIT License.

#include "tests/integration/server_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "lib/common/status_macros.h"
#include "services/common/client_channel.h"
#include "services/common/http_client.h"
#include "services/common/prometheus_text.h"

extern char** environ;

namespace nbo::integration {
namespace {

// How often observed state (port file, child exit) is polled.
constexpr absl::Duration kPollInterval = absl::Milliseconds(5);

std::string ErrnoText(const char* what) {
  return absl::StrCat(what, ": ", std::strerror(errno));
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

// Parses {"grpc":PORT,"metrics":PORT} (or {"grpc":PORT} for a process
// without metrics, or nbo-gateway's {"http":PORT[,"metrics":PORT]}); false if
// the file is not that.
bool ParsePortFile(const std::string& content, bool with_metrics, int* grpc,
                   int* metrics) {
  if (absl::StartsWith(content, "{\"http\":")) {
    // nbo-gateway: {"http":PORT}, or {"http":PORT,"metrics":PORT} with
    // --metrics_addr.
    return std::sscanf(content.c_str(), "{\"http\":%d,\"metrics\":%d", grpc,
                       metrics) >= 1 &&
           *grpc > 0;
  }
  if (!with_metrics) {
    return std::sscanf(content.c_str(), "{\"grpc\":%d", grpc) == 1 && *grpc > 0;
  }
  return std::sscanf(content.c_str(), "{\"grpc\":%d,\"metrics\":%d}", grpc,
                     metrics) == 2 &&
         *grpc > 0;
}

ExitStatus FromWaitStatus(int wait_status) {
  ExitStatus status;
  if (WIFEXITED(wait_status)) {
    status.exited = true;
    status.code = WEXITSTATUS(wait_status);
  } else if (WIFSIGNALED(wait_status)) {
    status.signal = WTERMSIG(wait_status);
  }
  return status;
}

}  // namespace

std::string ExitStatus::ToString() const {
  if (exited) return absl::StrCat("exited with code ", code);
  return absl::StrCat("killed by signal ", signal, " (", strsignal(signal),
                      ")");
}

ServerProcess::ServerProcess(Options options) : options_(std::move(options)) {}

absl::StatusOr<std::unique_ptr<ServerProcess>> ServerProcess::Start(
    Options options) {
  if (options.data_dir.empty()) {
    return absl::InvalidArgumentError("ServerProcess needs a data_dir");
  }
  if (options.binary.empty()) {
    options.binary = options.http ? NBO_GATEWAY_PATH : NBO_SERVER_PATH;
  }
  if (options.log_path.empty()) options.log_path = options.data_dir + ".log";
  if (options.port_file.empty()) {
    options.port_file = options.data_dir + ".ports";
  }
  std::unique_ptr<ServerProcess> process(new ServerProcess(std::move(options)));
  if (absl::Status started = process->Spawn(); !started.ok()) return started;
  return process;
}

absl::StatusOr<std::unique_ptr<ServerProcess>> ServerProcess::Start(
    const std::string& data_dir, std::vector<std::string> extra_flags) {
  Options options;
  options.data_dir = data_dir;
  options.extra_flags = std::move(extra_flags);
  return Start(std::move(options));
}

ServerProcess::~ServerProcess() {
  if (running()) {
    // Best effort: the test is over either way.
    Kill9().IgnoreError();
  }
  if (::testing::Test::HasFailure()) {
    std::fprintf(stderr, "---- tail of %s log %s ----\n%s\n----\n",
                 Name().c_str(), options_.log_path.c_str(), LogTail().c_str());
  }
}

absl::Status ServerProcess::Spawn() {
  std::error_code ignored;  // Absent is what we want.
  std::filesystem::remove(options_.port_file, ignored);

  // Everything the child needs is built before fork: between fork and exec
  // only async-signal-safe calls are allowed (the parent has threads).
  std::vector<std::string> args = {options_.binary};
  args.insert(args.end(), options_.command.begin(), options_.command.end());
  if (options_.http) {
    args.push_back("--http_addr=127.0.0.1:0");
  } else {
    args.push_back(absl::StrCat("--data_dir=", options_.data_dir));
    args.push_back("--grpc_addr=127.0.0.1:0");
    if (options_.metrics) args.push_back("--metrics_addr=127.0.0.1:0");
  }
  args.push_back(absl::StrCat("--port_file=", options_.port_file));
  args.insert(args.end(), options_.extra_flags.begin(),
              options_.extra_flags.end());
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (char** e = environ; *e != nullptr; ++e) {
    if (!absl::StartsWith(*e, "NBO_")) envp.push_back(*e);
  }
  envp.push_back(nullptr);

  const int log_fd = ::open(options_.log_path.c_str(),
                            O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return absl::InternalError(ErrnoText("open log"));
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0) {
    ::close(log_fd);
    return absl::InternalError(ErrnoText("open /dev/null"));
  }
  const std::string banner =
      absl::StrCat("==== harness: starting ", absl::StrJoin(args, " "), "\n");
  if (::write(log_fd, banner.data(), banner.size()) < 0) {
    // The banner only helps reading the log; the run does not need it.
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(log_fd);
    ::close(null_fd);
    return absl::InternalError(ErrnoText("fork"));
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // The parent already died.
    ::dup2(null_fd, STDIN_FILENO);
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    ::execve(argv[0], argv.data(), envp.data());
    static const char kExecFailed[] = "harness: execve failed\n";
    if (::write(STDERR_FILENO, kExecFailed, sizeof(kExecFailed) - 1) < 0) {
      // Nothing more can be reported from here.
    }
    ::_exit(127);
  }
  ::close(log_fd);
  ::close(null_fd);
  pid_ = pid;
  grpc_port_ = 0;
  metrics_port_ = 0;
  http_port_ = 0;
  channel_.reset();

  const absl::Time deadline = absl::Now() + options_.start_timeout;
  while (true) {
    int grpc = 0;
    int metrics = 0;
    if (ParsePortFile(ReadFile(options_.port_file),
                      options_.metrics && !options_.http, &grpc, &metrics)) {
      (options_.http ? http_port_ : grpc_port_) = grpc;
      metrics_port_ = metrics;
      break;
    }
    ExitStatus exit_status;
    if (ReapIfExited(&exit_status)) {
      return absl::AbortedError(
          absl::StrCat(Name(), " ", exit_status.ToString(),
                       " during start; log tail:\n", LogTail()));
    }
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat(Name(), " wrote no port file within ",
                       absl::FormatDuration(options_.start_timeout),
                       "; log tail:\n", LogTail()));
    }
    absl::SleepFor(kPollInterval);
  }
  if (!options_.http) channel_ = NewChannel();
  return absl::OkStatus();
}

std::string ServerProcess::Name() const {
  return std::filesystem::path(options_.binary).filename().string();
}

std::string ServerProcess::grpc_target() const {
  return absl::StrCat("127.0.0.1:", grpc_port_);
}

std::shared_ptr<grpc::Channel> ServerProcess::NewChannel() const {
  static std::atomic<int> next_channel_id{0};
  services::ClientOptions options;
  options.target = grpc_target();
  // Its own TCP connection, not one shared with the other channels.
  options.connection_key = absl::StrCat("test-", next_channel_id.fetch_add(1));
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      services::MakeChannel(options);
  if (!channel.ok()) {
    ADD_FAILURE() << "no channel to nbo-server: " << channel.status();
    return nullptr;
  }
  return *std::move(channel);
}

bool ServerProcess::ReapIfExited(ExitStatus* status) {
  if (pid_ <= 0) return false;
  int wait_status = 0;
  const pid_t r = ::waitpid(pid_, &wait_status, WNOHANG);
  if (r != pid_) return false;
  *status = FromWaitStatus(wait_status);
  pid_ = -1;
  return true;
}

absl::Status ServerProcess::Kill9() {
  if (!running()) {
    return absl::FailedPreconditionError(
        absl::StrCat(Name(), " is not running"));
  }
  if (::kill(pid_, SIGKILL) != 0) {
    return absl::InternalError(ErrnoText("kill(SIGKILL)"));
  }
  int wait_status = 0;
  while (::waitpid(pid_, &wait_status, 0) < 0) {
    if (errno != EINTR) return absl::InternalError(ErrnoText("waitpid"));
  }
  pid_ = -1;
  return absl::OkStatus();
}

absl::Status ServerProcess::Terminate() {
  if (!running()) {
    return absl::FailedPreconditionError(
        absl::StrCat(Name(), " is not running"));
  }
  if (::kill(pid_, SIGTERM) != 0) {
    return absl::InternalError(ErrnoText("kill(SIGTERM)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<ExitStatus> ServerProcess::WaitForExit(absl::Duration timeout) {
  if (!running()) {
    return absl::FailedPreconditionError(
        absl::StrCat(Name(), " is not running"));
  }
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    ExitStatus status;
    if (ReapIfExited(&status)) return status;
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(absl::StrCat(
          Name(), " still runs after ", absl::FormatDuration(timeout)));
    }
    absl::SleepFor(kPollInterval);
  }
}

absl::Status ServerProcess::Restart() {
  if (running()) {
    return absl::FailedPreconditionError(
        absl::StrCat(Name(), " still runs; Kill9() or Terminate() it first"));
  }
  return Spawn();
}

std::string ServerProcess::Log() const { return ReadFile(options_.log_path); }

std::string ServerProcess::LogTail(int lines) const {
  const std::vector<std::string> all =
      absl::StrSplit(Log(), '\n', absl::SkipEmpty());
  const size_t first =
      all.size() > static_cast<size_t>(lines) ? all.size() - lines : 0;
  return absl::StrJoin(all.begin() + first, all.end(), "\n");
}

int ServerProcess::CountInLog(const std::string& needle) const {
  const std::string log = Log();
  int count = 0;
  for (size_t at = log.find(needle); at != std::string::npos;
       at = log.find(needle, at + needle.size())) {
    ++count;
  }
  return count;
}

absl::StatusOr<std::string> ServerProcess::FetchMetrics() const {
  services::HttpGetOptions options;
  options.timeout = absl::Seconds(10);
  return services::HttpGet(absl::StrCat("127.0.0.1:", metrics_port_),
                           "/metrics", options);
}

absl::StatusOr<double> MetricValue(
    const std::string& exposition, const std::string& name,
    const std::vector<std::pair<std::string, std::string>>& labels) {
  NBO_ASSIGN_OR_RETURN(std::vector<services::PrometheusSample> samples,
                       services::ParsePrometheusText(exposition));
  return services::FindPrometheusSample(samples, name, labels);
}

}  // namespace nbo::integration
