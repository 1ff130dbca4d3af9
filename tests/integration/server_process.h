// Copyright (c) 2026 The nbo Authors. MIT License.
//
// ServerProcess runs the real nbo-server binary as a child process for the
// integration tests: on loopback, on port 0, with its own data directory, and
// with stdout and stderr appended to a log file whose tail is printed when the
// test that owns the process has failed.
//
//   ASSERT_OK_AND_ASSIGN(auto server, ServerProcess::Start(dir.Sub("data")));
//   auto stub = nbo::v1::NBOService::NewStub(server->channel());
//   ASSERT_THAT(server->Kill9(), IsOk());
//   ASSERT_THAT(server->Restart(), IsOk());

#ifndef NBO_TESTS_INTEGRATION_SERVER_PROCESS_H_
#define NBO_TESTS_INTEGRATION_SERVER_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"

namespace nbo::integration {

// How a child process ended.
struct ExitStatus {
  // True when it called exit(); false when a signal killed it.
  bool exited = false;
  // The exit code when `exited`.
  int code = -1;
  // The signal that killed it when !exited.
  int signal = 0;

  bool ExitedWith(int expected_code) const {
    return exited && code == expected_code;
  }
  std::string ToString() const;
};

// One nbo-server child process, restartable on the same data directory.
//
// The child gets PR_SET_PDEATHSIG(SIGKILL), so it dies with the thread that
// started it even if the test binary crashes; start and restart servers from
// the test's main thread. The child's environment is the test's without any
// NBO_* variable, so a developer's settings cannot leak into a test.
//
// Not thread-safe: the test's main thread drives it. channel() may be used
// from any thread.
class ServerProcess {
 public:
  struct Options {
    // RocksDB directory of the server; created by the server if missing.
    // Required.
    std::string data_dir;
    // Flags appended after the harness's own (--data_dir, --grpc_addr,
    // --metrics_addr, --port_file), so they can override them.
    // Default: none.
    std::vector<std::string> extra_flags;
    // Words before every flag, e.g. {"serve"} for `nbo-trainer serve`.
    // Default: none.
    std::vector<std::string> command;
    // Whether the process serves Prometheus metrics: --metrics_addr is passed
    // and the port file must name a "metrics" port. nbo-trainer has none.
    // Default: true.
    bool metrics = true;
    // Whether the process is nbo-gateway: the harness then passes only
    // --http_addr=127.0.0.1:0 and --port_file (no data dir, no gRPC or
    // metrics address), the port file names an "http" port, and data_dir
    // only names the log and port files. No channel() then.
    // Default: false.
    bool http = false;
    // The binary.
    // Default: nbo-server, or nbo-gateway when `http`, as built with the
    // tests (NBO_SERVER_PATH, NBO_GATEWAY_PATH).
    std::string binary;
    // Where the child's stdout and stderr are appended.
    // Default: data_dir + ".log".
    std::string log_path;
    // Where the server writes its ports. Removed before every start.
    // Default: data_dir + ".ports".
    std::string port_file;
    // How long a start may take before the port file appears.
    // Default: 60 seconds (sanitizer builds on a loaded machine are slow).
    absl::Duration start_timeout = absl::Seconds(60);
  };

  // Spawns the server and waits until it has written its port file, that is
  // until its store is open, its versions loaded and its ports listening.
  // INVALID_ARGUMENT: no data_dir. INTERNAL: fork or exec failed.
  // DEADLINE_EXCEEDED: no port file within start_timeout. ABORTED: the
  // server exited during start (the message carries its log's tail).
  static absl::StatusOr<std::unique_ptr<ServerProcess>> Start(Options options);
  // Start() with default options but these.
  static absl::StatusOr<std::unique_ptr<ServerProcess>> Start(
      const std::string& data_dir, std::vector<std::string> extra_flags = {});

  // Kills the server (SIGKILL) if it still runs; prints the log's tail if
  // the current test has failed.
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Ports of the current run. REQUIRES: the server has started.
  int grpc_port() const { return grpc_port_; }
  int metrics_port() const { return metrics_port_; }
  // The HTTP port of an `http` process.
  int http_port() const { return http_port_; }
  // "127.0.0.1:<grpc_port>".
  std::string grpc_target() const;
  // An insecure channel to the current run; replaced by Restart().
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }
  // A fresh channel (its own TCP connection) to the current run.
  std::shared_ptr<grpc::Channel> NewChannel() const;
  pid_t pid() const { return pid_; }
  const Options& options() const { return options_; }

  // True while the child has not been reaped.
  bool running() const { return pid_ > 0; }

  // SIGKILL, then reaps the child. FAILED_PRECONDITION if it is not running.
  absl::Status Kill9();
  // Sends SIGTERM; the server drains and exits on its own.
  // FAILED_PRECONDITION if it is not running.
  absl::Status Terminate();
  // Waits for the child to exit and reaps it. DEADLINE_EXCEEDED if it still
  // runs after `timeout` (it is left running); FAILED_PRECONDITION if it was
  // already reaped.
  absl::StatusOr<ExitStatus> WaitForExit(absl::Duration timeout);
  // Starts the server again on the same data directory and options (new
  // ports, new channel). FAILED_PRECONDITION if it is still running; else
  // the codes of Start().
  absl::Status Restart();

  // Whole log of every run so far (appended across restarts).
  std::string Log() const;
  // The last `lines` lines of the log.
  std::string LogTail(int lines = 40) const;
  // Number of times `needle` occurs in the log.
  int CountInLog(const std::string& needle) const;

  // GET http://127.0.0.1:<metrics_port>/metrics over a plain HTTP/1.0 socket;
  // the body. UNAVAILABLE if the connection fails, INTERNAL on a non-200
  // answer or a malformed one.
  absl::StatusOr<std::string> FetchMetrics() const;

 private:
  explicit ServerProcess(Options options);
  // Forks and execs the server, then waits for the port file.
  absl::Status Spawn();
  // The binary's file name, for messages.
  std::string Name() const;
  // Reaps the child if it has exited; true when it has.
  bool ReapIfExited(ExitStatus* status);

  Options options_;
  pid_t pid_ = -1;
  int grpc_port_ = 0;
  int metrics_port_ = 0;
  int http_port_ = 0;
  std::shared_ptr<grpc::Channel> channel_;
};

// The value of the sample `name{labels}` in a Prometheus text exposition,
// where every label in `labels` ({"method", "Recommend"}, ...) must appear in
// the sample's label set (others may too). INVALID_ARGUMENT if the text does
// not parse; NOT_FOUND if no sample matches; FAILED_PRECONDITION if more than
// one does.
absl::StatusOr<double> MetricValue(
    const std::string& exposition, const std::string& name,
    const std::vector<std::pair<std::string, std::string>>& labels = {});

}  // namespace nbo::integration

#endif  // NBO_TESTS_INTEGRATION_SERVER_PROCESS_H_
