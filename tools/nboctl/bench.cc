// Copyright (c) 2026 The nbo Authors. MIT License.
//
// nboctl bench: closed-loop load against one nbo-server.
//
// The run has up to four phases, all at the same concurrency against the
// same server:
//   1. warm-up: Recommend calls, not measured, so that connections, server
//      threads and the model's pages are hot before anything is timed;
//   2. grpc.health.v1.Health/Check for --duration seconds: the transport
//      floor, what a call costs when the handler does nothing;
//   3. NBOService.Recommend for --duration seconds, customers drawn
//      uniformly (fixed seed) from C0000001..C<N>;
//   4. with --swaps=K, the serving version is exported once and published
//      back K times as new versions while the Recommend load keeps running.
// The interesting number is ratio = recommend_qps / health_qps: how close
// scoring runs to the cost of the RPC itself.
//
// Each in-flight request is one client thread blocked on a sync stub. The
// threads share ceil(C / 4) channels, each with its own HTTP/2 connection,
// so that one connection's flow control and framing do not become the
// bottleneck being measured.

#include <netdb.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "lib/common/json.h"
#include "lib/common/status_macros.h"
#include "nbo/v1/model_service.grpc.pb.h"
#include "nbo/v1/nbo_service.grpc.pb.h"
#include "tools/nboctl/client.h"
#include "tools/nboctl/commands.h"
#include "tools/nboctl/common_flags.h"

ABSL_FLAG(double, duration, 10,
          "bench: seconds of each measured phase (Health/Check, Recommend)");
ABSL_FLAG(int, concurrency, 16,
          "bench: requests in flight at all times, one client thread each");
ABSL_FLAG(double, warmup, 1,
          "bench: seconds of unmeasured Recommend load before the first phase");
ABSL_FLAG(int, rounds, 5,
          "bench: Health/Check and Recommend alternate in this many slices of "
          "duration/rounds each, so machine drift affects both alike");
ABSL_FLAG(int, swaps, 0,
          "bench: after the steady phases, publish the serving version this "
          "many times as new versions while the Recommend load runs");
ABSL_FLAG(std::string, metrics, "",
          "bench: HOST:PORT of the server's Prometheus endpoint; when set, "
          "process_resident_memory_bytes is read under load and after swaps");
ABSL_FLAG(int, bench_num_offers, 3,
          "bench: num_offers of each Recommend call; 0 leaves it unset (the "
          "server's default)");

namespace nbo::nboctl {
namespace {

using Clock = std::chrono::steady_clock;

// Load threads per channel (and so per HTTP/2 connection).
constexpr int kWorkersPerChannel = 4;
// Upper bound on --concurrency: one thread per in-flight call.
constexpr int kMaxConcurrency = 4096;
// Seed of the customer draw; fixed so that two runs ask for the same
// customers in the same order per worker.
constexpr uint64_t kCustomerSeed = 0x6e626f2d62656e63;  // "nbo-benc"
// Deadline of one load call. A call that takes longer is a failure.
constexpr std::chrono::seconds kCallTimeout(10);
// How long the load channels may take to connect before the server counts
// as unreachable.
constexpr std::chrono::seconds kConnectTimeout(5);
// Deadline of GetModelStatus.
constexpr std::chrono::seconds kAdminTimeout(10);
// Deadline of one ExportModel or PublishModel stream.
constexpr std::chrono::seconds kStreamTimeout(600);
// Socket timeout and size cap of the /metrics fetch.
constexpr int kMetricsTimeoutSeconds = 5;
constexpr size_t kMaxMetricsBytes = 64 << 20;
// Name of the gauge the server exports for its resident set size.
constexpr absl::string_view kRssMetric = "process_resident_memory_bytes";
constexpr absl::string_view kCpuMetric = "process_cpu_seconds_total";
// Share of popularity answers above which the run is suspect.
constexpr double kPopularityWarnFraction = 0.01;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

absl::Status ToAbsl(const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

// Sets the deadline and, when a token is given, the bearer token.
void PrepareContext(grpc::ClientContext* context, const std::string& token,
                    std::chrono::seconds timeout) {
  context->set_deadline(std::chrono::system_clock::now() + timeout);
  AddAuth(context, token);
}

// A log-bucketed latency histogram in the manner of HdrHistogram. Values
// below 2^kSubBucketBits nanoseconds are kept exactly; larger ones fall in
// buckets no wider than 1/128 of their value, so a percentile is within 0.8%
// of a recorded value. Memory is fixed (~35 KiB) whatever the count.
//
// Not thread-safe: give each thread its own and Merge() them afterwards.
class LatencyHistogram {
 public:
  LatencyHistogram() : counts_(kNumBuckets, 0) {}

  // Adds one latency. Negative values count as 0; values beyond ~18 minutes
  // land in the last bucket.
  void Record(int64_t nanos) {
    const uint64_t value = nanos < 0 ? 0 : static_cast<uint64_t>(nanos);
    ++counts_[BucketOf(value)];
    ++count_;
    sum_nanos_ += static_cast<double>(value);
    max_nanos_ = std::max(max_nanos_, value);
  }

  // Adds every value recorded in `other`.
  void Merge(const LatencyHistogram& other) {
    for (int i = 0; i < kNumBuckets; ++i) counts_[i] += other.counts_[i];
    count_ += other.count_;
    sum_nanos_ += other.sum_nanos_;
    max_nanos_ = std::max(max_nanos_, other.max_nanos_);
  }

  int64_t count() const { return count_; }

  double MeanMicros() const {
    return count_ == 0 ? 0 : sum_nanos_ / static_cast<double>(count_) / 1e3;
  }

  double MaxMicros() const { return static_cast<double>(max_nanos_) / 1e3; }

  // Returns, in microseconds, the upper bound of the bucket holding the value
  // at `percent` (the smallest value at or above which no more than
  // 100 - percent of the values lie), never more than the largest recorded
  // value. Returns 0 when nothing was recorded.
  // REQUIRES: 0 <= percent <= 100.
  double PercentileMicros(double percent) const {
    if (count_ == 0) return 0;
    const int64_t rank = std::clamp<int64_t>(
        static_cast<int64_t>(
            std::ceil(percent / 100.0 * static_cast<double>(count_))),
        1, count_);
    int64_t seen = 0;
    for (int i = 0; i < kNumBuckets; ++i) {
      seen += counts_[i];
      if (seen >= rank) {
        return static_cast<double>(std::min(HighestValueIn(i), max_nanos_)) /
               1e3;
      }
    }
    return MaxMicros();
  }

 private:
  // Values below 2^kSubBucketBits get a bucket each; above, every power of
  // two is split into 2^(kSubBucketBits - 1) buckets.
  static constexpr int kSubBucketBits = 8;
  static constexpr uint64_t kExactLimit = uint64_t{1} << kSubBucketBits;
  static constexpr uint64_t kHalf = kExactLimit / 2;
  // Largest tracked value: 2^kMaxBits - 1 ns, about 18 minutes.
  static constexpr int kMaxBits = 40;
  static constexpr int kNumBuckets =
      static_cast<int>(kExactLimit + (kMaxBits - kSubBucketBits) * kHalf);

  static int BucketOf(uint64_t value) {
    value = std::min(value, (uint64_t{1} << kMaxBits) - 1);
    if (value < kExactLimit) return static_cast<int>(value);
    // shift >= 1, and value >> shift keeps the top kSubBucketBits bits, the
    // leading one included, so it lies in [kHalf, kExactLimit).
    const int shift = std::bit_width(value) - kSubBucketBits;
    const uint64_t mantissa = value >> shift;
    return static_cast<int>(kExactLimit + (shift - 1) * kHalf +
                            (mantissa - kHalf));
  }

  static uint64_t HighestValueIn(int bucket) {
    const uint64_t b = static_cast<uint64_t>(bucket);
    if (b < kExactLimit) return b;
    const uint64_t r = b - kExactLimit;
    const int shift = static_cast<int>(r / kHalf) + 1;
    const uint64_t mantissa = r % kHalf + kHalf;
    return ((mantissa + 1) << shift) - 1;
  }

  std::vector<int64_t> counts_;
  int64_t count_ = 0;
  double sum_nanos_ = 0;
  uint64_t max_nanos_ = 0;
};

// What a closed loop's calls added up to.
struct LoadResult {
  // Latency of the successful calls only: failures are often immediate and
  // would flatter the percentiles.
  LatencyHistogram latency;
  // Calls completed, successful or not.
  int64_t requests = 0;
  // Calls that completed with a non-OK status.
  int64_t failed = 0;
  // Wall time from the start gate to the end of the last worker's last call.
  double seconds = 0;
  // CPU the bench process and (with --metrics) the server spent during the
  // run: what a request costs each side, which explains the QPS ratio.
  double client_cpu_seconds = 0;
  std::optional<double> server_cpu_seconds;

  // Adds another run of the same load (another round).
  void Add(const LoadResult& other) {
    latency.Merge(other.latency);
    requests += other.requests;
    failed += other.failed;
    seconds += other.seconds;
    client_cpu_seconds += other.client_cpu_seconds;
    if (other.server_cpu_seconds) {
      server_cpu_seconds =
          server_cpu_seconds.value_or(0) + *other.server_cpu_seconds;
    }
  }

  // Microseconds of CPU per completed call.
  static double PerCall(double cpu_seconds, int64_t calls) {
    return calls > 0 ? cpu_seconds * 1e6 / static_cast<double>(calls) : 0;
  }

  // Successful calls per second: failed calls are not throughput.
  double Qps() const {
    return seconds > 0 ? static_cast<double>(requests - failed) / seconds : 0;
  }
};

// A closed-loop load generator: `concurrency` threads each issue one call at
// a time, back to back, so that exactly `concurrency` calls are in flight
// until Stop(). Each call is timed around the call function, on the
// monotonic clock.
//
// The loop owns its threads; the call function is owned by the caller's
// closure and must outlive Stop(). Start() and Stop() must be called from one
// controlling thread; the call function is invoked concurrently from every
// worker.
class ClosedLoop {
 public:
  // Issues one call for worker `worker` (in [0, concurrency)) and returns
  // whether it succeeded. A worker's index lets the function keep per-worker
  // state without locks.
  using Call = std::function<bool(int worker)>;

  ClosedLoop(int concurrency, Call call)
      : concurrency_(concurrency),
        call_(std::move(call)),
        per_worker_(concurrency) {}

  ClosedLoop(const ClosedLoop&) = delete;
  ClosedLoop& operator=(const ClosedLoop&) = delete;

  // Stops the workers if they are still running; the result is dropped.
  ~ClosedLoop() {
    if (!threads_.empty()) Stop();
  }

  // Starts the workers. Every thread is created before the first call so
  // that thread creation is not part of the measured window.
  // REQUIRES: Start() has not been called.
  void Start() {
    threads_.reserve(concurrency_);
    for (int i = 0; i < concurrency_; ++i) {
      threads_.emplace_back([this, i] { Work(i); });
    }
    start_ = Clock::now();
    go_.Notify();
  }

  // Asks the workers to stop, waits for their in-flight calls, and returns
  // the merged result.
  // REQUIRES: Start() has been called and Stop() has not.
  LoadResult Stop() {
    stop_.store(true, std::memory_order_relaxed);
    for (std::thread& thread : threads_) thread.join();
    threads_.clear();
    LoadResult total;
    total.seconds = SecondsSince(start_);
    for (const LoadResult& worker : per_worker_) {
      total.latency.Merge(worker.latency);
      total.requests += worker.requests;
      total.failed += worker.failed;
    }
    return total;
  }

  // Runs the load for `seconds` and returns the result. `during`, when set,
  // runs just before the load stops (for sampling the server under load).
  LoadResult RunFor(double seconds,
                    const std::function<void()>& during = nullptr) {
    Start();
    absl::SleepFor(absl::Seconds(seconds));
    if (during) during();
    return Stop();
  }

 private:
  void Work(int worker) {
    go_.WaitForNotification();
    // Tally locally and publish once at the end, so that neighbouring
    // workers do not share cache lines while the load runs.
    LoadResult mine;
    while (!stop_.load(std::memory_order_relaxed)) {
      const Clock::time_point begin = Clock::now();
      const bool ok = call_(worker);
      const int64_t nanos =
          std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() -
                                                               begin)
              .count();
      ++mine.requests;
      if (ok) {
        mine.latency.Record(nanos);
      } else {
        ++mine.failed;
      }
    }
    per_worker_[worker] = std::move(mine);
  }

  const int concurrency_;
  const Call call_;
  absl::Notification go_;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
  Clock::time_point start_;
  // Slot i is written only by worker i, before it exits; read after join.
  std::vector<LoadResult> per_worker_;
};

// Prints the first failure of a phase to stderr and swallows the rest, so
// that a failing server does not flood the terminal. Thread-safe.
class FirstError {
 public:
  explicit FirstError(std::string what) : what_(std::move(what)) {}

  void Note(const grpc::Status& status) {
    if (!noted_.exchange(true)) {
      ReportRpcError(what_ + " (first failure; later ones are counted only)",
                     status);
    }
  }

 private:
  const std::string what_;
  std::atomic<bool> noted_{false};
};

// The load channels and their stubs. Worker w uses channel
// w / kWorkersPerChannel. Stubs are thread-safe; the pool is immutable once
// built.
class ChannelPool {
 public:
  ChannelPool(const std::string& server, int concurrency) {
    const int channels =
        (concurrency + kWorkersPerChannel - 1) / kWorkersPerChannel;
    for (int i = 0; i < channels; ++i) {
      grpc::ChannelArguments args;
      // gRPC shares a connection between channels whose arguments are equal;
      // a distinct argument per channel gives each one its own.
      args.SetInt("nbo.bench.channel", i);
      channels_.push_back(grpc::CreateCustomChannel(
          server, grpc::InsecureChannelCredentials(), args));
      nbo_.push_back(nbo::v1::NBOService::NewStub(channels_.back()));
      health_.push_back(grpc::health::v1::Health::NewStub(channels_.back()));
    }
  }

  int size() const { return static_cast<int>(channels_.size()); }

  nbo::v1::NBOService::Stub* nbo(int worker) const {
    return nbo_[worker / kWorkersPerChannel].get();
  }
  grpc::health::v1::Health::Stub* health(int worker) const {
    return health_[worker / kWorkersPerChannel].get();
  }

  // Connects every channel. Returns UNAVAILABLE if one is not ready within
  // `timeout`.
  absl::Status WaitForConnected(std::chrono::seconds timeout) const {
    const auto deadline = std::chrono::system_clock::now() + timeout;
    for (const auto& channel : channels_) {
      if (!channel->WaitForConnected(deadline)) {
        return absl::UnavailableError("cannot connect");
      }
    }
    return absl::OkStatus();
  }

 private:
  std::vector<std::shared_ptr<grpc::Channel>> channels_;
  std::vector<std::unique_ptr<nbo::v1::NBOService::Stub>> nbo_;
  std::vector<std::unique_ptr<grpc::health::v1::Health::Stub>> health_;
};

// How the successful Recommend calls of one phase were answered.
struct RecommendTally {
  int64_t personalized = 0;
  int64_t popularity = 0;
  int64_t unspecified = 0;
  // Answers per model_version.
  std::map<int64_t, int64_t> versions;

  int64_t answered() const { return personalized + popularity + unspecified; }

  double PopularityFraction() const {
    return answered() == 0 ? 0
                           : static_cast<double>(popularity) /
                                 static_cast<double>(answered());
  }

  // Answers whose version is not in `valid`.
  int64_t CountOutside(const std::set<int64_t>& valid) const {
    int64_t outside = 0;
    for (const auto& [version, count] : versions) {
      if (!valid.contains(version)) outside += count;
    }
    return outside;
  }

  void Merge(const RecommendTally& other) {
    personalized += other.personalized;
    popularity += other.popularity;
    unspecified += other.unspecified;
    for (const auto& [version, count] : other.versions) {
      versions[version] += count;
    }
  }
};

// Recommend calls for customers drawn uniformly from C0000001..C<customers>,
// tallied per worker. Call() is invoked concurrently, each worker with its
// own index; Total() only once the loop has stopped.
class RecommendWorkload {
 public:
  RecommendWorkload(const ChannelPool* pool, int concurrency, int64_t customers,
                    uint64_t phase_seed, std::string model_name, int num_offers,
                    std::string token, std::string what)
      : pool_(pool),
        model_name_(std::move(model_name)),
        num_offers_(num_offers),
        token_(std::move(token)),
        errors_(std::move(what)),
        workers_(concurrency) {
    for (int i = 0; i < concurrency; ++i) {
      std::seed_seq seed{kCustomerSeed, phase_seed, static_cast<uint64_t>(i)};
      workers_[i].rng.seed(seed);
      workers_[i].customer =
          std::uniform_int_distribution<int64_t>(1, customers);
    }
  }

  bool Call(int worker) {
    Worker& state = workers_[worker];
    nbo::v1::RecommendRequest request;
    request.set_customer_id(
        absl::StrFormat("C%07d", state.customer(state.rng)));
    if (num_offers_ > 0) request.set_num_offers(num_offers_);
    if (!model_name_.empty()) {
      request.mutable_model()->set_model_name(model_name_);
    }
    nbo::v1::RecommendResponse response;
    grpc::ClientContext context;
    PrepareContext(&context, token_, kCallTimeout);
    const grpc::Status status =
        pool_->nbo(worker)->Recommend(&context, request, &response);
    if (!status.ok()) {
      errors_.Note(status);
      return false;
    }
    switch (response.strategy()) {
      case nbo::v1::STRATEGY_PERSONALIZED:
        ++state.tally.personalized;
        break;
      case nbo::v1::STRATEGY_POPULARITY:
        ++state.tally.popularity;
        break;
      default:
        ++state.tally.unspecified;
        break;
    }
    ++state.tally.versions[response.model_version()];
    return true;
  }

  RecommendTally Total() const {
    RecommendTally total;
    for (const Worker& worker : workers_) total.Merge(worker.tally);
    return total;
  }

 private:
  // Aligned so that two workers' tallies never share a cache line.
  struct alignas(64) Worker {
    std::mt19937_64 rng;
    std::uniform_int_distribution<int64_t> customer;
    RecommendTally tally;
  };

  const ChannelPool* const pool_;
  const std::string model_name_;
  const int num_offers_;
  const std::string token_;
  FirstError errors_;
  std::vector<Worker> workers_;
};

// What GetModelStatus says about the model under test.
struct ModelView {
  // The model's resolved name (the default model's when --model is empty).
  std::string model_name;
  // The highest AVAILABLE version and its customer count.
  int64_t serving_version = 0;
  int64_t customer_count = 0;
  // The highest version in any state; new versions must be above it.
  int64_t max_version = 0;
  // Every AVAILABLE version.
  std::set<int64_t> available;
};

// Returns the model's versions. NOT_FOUND when it has no AVAILABLE version;
// otherwise the RPC's status on failure.
absl::StatusOr<ModelView> GetModelView(nbo::v1::ModelService::Stub* stub,
                                       const std::string& model,
                                       const std::string& token) {
  nbo::v1::GetModelStatusRequest request;
  request.set_model_name(model);
  nbo::v1::GetModelStatusResponse response;
  grpc::ClientContext context;
  PrepareContext(&context, token, kAdminTimeout);
  const grpc::Status status =
      stub->GetModelStatus(&context, request, &response);
  if (!status.ok()) return ToAbsl(status);
  ModelView view;
  view.model_name = response.model().model_name();
  for (const nbo::v1::VersionStatus& version : response.model().versions()) {
    view.max_version = std::max(view.max_version, version.version());
    if (version.state() != nbo::v1::VERSION_STATE_AVAILABLE) continue;
    view.available.insert(version.version());
    if (version.version() > view.serving_version) {
      view.serving_version = version.version();
      view.customer_count = version.customer_count();
    }
  }
  if (view.available.empty()) {
    return absl::NotFoundError(
        absl::StrCat("model '", view.model_name, "' has no AVAILABLE version"));
  }
  return view;
}

// A version as ExportModel streams it: header, item chunks, customer chunks,
// commit.
struct ExportedVersion {
  std::vector<nbo::v1::PublishModelRequest> parts;
  uint64_t bytes = 0;
  double seconds = 0;
};

// Reads `version` of `model` into memory. FAILED_PRECONDITION when the stream
// does not start with a header and end with a commit; otherwise the RPC's
// status on failure.
absl::StatusOr<ExportedVersion> ExportVersion(nbo::v1::ModelService::Stub* stub,
                                              const std::string& model,
                                              int64_t version,
                                              const std::string& token) {
  const Clock::time_point start = Clock::now();
  nbo::v1::ExportModelRequest request;
  request.set_model_name(model);
  request.set_version(version);
  grpc::ClientContext context;
  PrepareContext(&context, token, kStreamTimeout);
  std::unique_ptr<grpc::ClientReader<nbo::v1::PublishModelRequest>> reader =
      stub->ExportModel(&context, request);
  ExportedVersion exported;
  nbo::v1::PublishModelRequest part;
  while (reader->Read(&part)) {
    exported.bytes += part.ByteSizeLong();
    exported.parts.push_back(std::move(part));
    part.Clear();
  }
  const grpc::Status status = reader->Finish();
  if (!status.ok()) return ToAbsl(status);
  if (exported.parts.size() < 2 || !exported.parts.front().has_header() ||
      !exported.parts.back().has_commit()) {
    return absl::FailedPreconditionError(
        "export did not start with a header and end with a commit");
  }
  exported.seconds = SecondsSince(start);
  return exported;
}

// One hot swap: a publish of the exported version under a new number.
struct SwapRecord {
  int64_t version = 0;
  double seconds = 0;
  // Bytes we wrote (serialized messages) and bytes the server counted.
  uint64_t bytes_sent = 0;
  int64_t bytes_received = 0;
  nbo::v1::VersionState state = nbo::v1::VERSION_STATE_UNSPECIFIED;
};

// Streams `exported` to PublishModel as `version` and waits for the answer,
// which comes once the version is AVAILABLE or FAILED. Returns the RPC's
// status on failure; a version that FAILED to load is a successful RPC whose
// record says so.
absl::StatusOr<SwapRecord> PublishAs(nbo::v1::ModelService::Stub* stub,
                                     const ExportedVersion& exported,
                                     int64_t version,
                                     const std::string& token) {
  const Clock::time_point start = Clock::now();
  SwapRecord record;
  record.version = version;
  grpc::ClientContext context;
  PrepareContext(&context, token, kStreamTimeout);
  nbo::v1::PublishModelResponse response;
  std::unique_ptr<grpc::ClientWriter<nbo::v1::PublishModelRequest>> writer =
      stub->PublishModel(&context, &response);
  nbo::v1::PublishModelRequest header = exported.parts.front();
  header.mutable_header()->set_version(version);
  // A failed Write means the server has ended the stream; Finish() says why.
  bool open = writer->Write(header);
  record.bytes_sent += header.ByteSizeLong();
  for (size_t i = 1; open && i < exported.parts.size(); ++i) {
    open = writer->Write(exported.parts[i]);
    record.bytes_sent += exported.parts[i].ByteSizeLong();
  }
  if (open) writer->WritesDone();
  const grpc::Status status = writer->Finish();
  if (!status.ok()) return ToAbsl(status);
  record.seconds = SecondsSince(start);
  record.bytes_received = response.bytes_received();
  record.state = response.state();
  return record;
}

// Splits "host:port" or "[v6]:port". INVALID_ARGUMENT when there is no port.
absl::StatusOr<std::pair<std::string, std::string>> SplitHostPort(
    const std::string& address) {
  std::string host;
  std::string port;
  if (absl::StartsWith(address, "[")) {
    const size_t close = address.find(']');
    if (close == std::string::npos || close + 1 >= address.size() ||
        address[close + 1] != ':') {
      return absl::InvalidArgumentError(
          absl::StrCat("bad address '", address, "'"));
    }
    host = address.substr(1, close - 1);
    port = address.substr(close + 2);
  } else {
    const size_t colon = address.rfind(':');
    if (colon == std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("address '", address, "' has no port"));
    }
    host = address.substr(0, colon);
    port = address.substr(colon + 1);
  }
  if (port.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("address '", address, "' has no port"));
  }
  if (host.empty()) host = "localhost";
  return std::make_pair(host, port);
}

// Closes a file descriptor when it goes out of scope.
class ScopedFd {
 public:
  explicit ScopedFd(int fd) : fd_(fd) {}
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  ~ScopedFd() {
    if (fd_ >= 0) close(fd_);
  }
  int get() const { return fd_; }

 private:
  const int fd_;
};

// Connects to `host`:`port` over TCP with send/receive timeouts set.
// UNAVAILABLE when no address accepts the connection.
absl::StatusOr<std::unique_ptr<ScopedFd>> ConnectTcp(const std::string& host,
                                                     const std::string& port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* addresses = nullptr;
  if (const int rc =
          getaddrinfo(host.c_str(), port.c_str(), &hints, &addresses);
      rc != 0) {
    return absl::UnavailableError(
        absl::StrCat("resolving ", host, ": ", gai_strerror(rc)));
  }
  std::unique_ptr<ScopedFd> connected;
  for (addrinfo* a = addresses; a != nullptr && !connected; a = a->ai_next) {
    auto fd = std::make_unique<ScopedFd>(
        socket(a->ai_family, a->ai_socktype, a->ai_protocol));
    if (fd->get() < 0) continue;
    // On Linux SO_SNDTIMEO also bounds connect().
    timeval timeout{};
    timeout.tv_sec = kMetricsTimeoutSeconds;
    setsockopt(fd->get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    setsockopt(fd->get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
    if (connect(fd->get(), a->ai_addr, a->ai_addrlen) == 0) {
      connected = std::move(fd);
    }
  }
  freeaddrinfo(addresses);
  if (!connected) {
    return absl::UnavailableError(
        absl::StrCat("cannot connect to ", host, ":", port));
  }
  return connected;
}

// Fetches http://<address>/metrics with a bare HTTP/1.0 GET (no keep-alive,
// no chunking, no compression: the body is everything until the server
// closes). Returns the body; UNAVAILABLE on connection or read failures,
// INTERNAL on a non-200 answer.
absl::StatusOr<std::string> FetchMetrics(const std::string& address) {
  NBO_ASSIGN_OR_RETURN(auto host_port, SplitHostPort(address));
  NBO_ASSIGN_OR_RETURN(std::unique_ptr<ScopedFd> fd,
                       ConnectTcp(host_port.first, host_port.second));
  const std::string request =
      absl::StrCat("GET /metrics HTTP/1.0\r\nHost: ", host_port.first,
                   "\r\nAccept: text/plain\r\nConnection: close\r\n\r\n");
  for (size_t sent = 0; sent < request.size();) {
    const ssize_t n = send(fd->get(), request.data() + sent,
                           request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return absl::UnavailableError("sending the metrics request");
    sent += static_cast<size_t>(n);
  }
  std::string response;
  char buffer[16384];
  for (;;) {
    const ssize_t n = recv(fd->get(), buffer, sizeof(buffer), 0);
    if (n == 0) break;
    if (n < 0) return absl::UnavailableError("reading the metrics response");
    response.append(buffer, static_cast<size_t>(n));
    if (response.size() > kMaxMetricsBytes) {
      return absl::UnavailableError("metrics response too large");
    }
  }
  const size_t body = response.find("\r\n\r\n");
  const absl::string_view status_line =
      absl::string_view(response).substr(0, response.find("\r\n"));
  const std::vector<absl::string_view> words = absl::StrSplit(status_line, ' ');
  if (body == std::string::npos || words.size() < 2 || words[1] != "200") {
    return absl::InternalError(
        absl::StrCat("metrics endpoint answered '", status_line, "'"));
  }
  return response.substr(body + 4);
}

// Returns the value of the first sample of `name` in Prometheus' text
// exposition format, whatever its labels. NOT_FOUND when there is none.
absl::StatusOr<double> FindSample(absl::string_view exposition,
                                  absl::string_view name) {
  for (absl::string_view line : absl::StrSplit(exposition, '\n')) {
    if (!absl::ConsumePrefix(&line, name) || line.empty()) continue;
    if (line.front() == '{') {
      // Skip the labels; a quoted value may itself hold '}' or '\"'.
      bool quoted = false;
      size_t i = 1;
      for (; i < line.size(); ++i) {
        if (quoted && line[i] == '\\') {
          ++i;
        } else if (line[i] == '"') {
          quoted = !quoted;
        } else if (!quoted && line[i] == '}') {
          break;
        }
      }
      if (i >= line.size()) continue;
      line.remove_prefix(i + 1);
    } else if (line.front() != ' ' && line.front() != '\t') {
      continue;  // A longer name with `name` as its prefix.
    }
    // The value, then an optional timestamp.
    const std::vector<absl::string_view> fields =
        absl::StrSplit(line, absl::ByAnyChar(" \t\r"), absl::SkipEmpty());
    double value = 0;
    if (!fields.empty() && absl::SimpleAtod(fields[0], &value)) return value;
  }
  return absl::NotFoundError(absl::StrCat("no sample of ", name));
}

// Reads one sample of the server's /metrics endpoint. Any failure is printed
// to stderr and yields nothing: the keys that need it are then omitted.
std::optional<double> ReadServerMetric(const std::string& metrics_address,
                                       absl::string_view name) {
  absl::StatusOr<std::string> body = FetchMetrics(metrics_address);
  absl::StatusOr<double> value =
      body.ok() ? FindSample(*body, name) : body.status();
  if (!value.ok()) {
    std::fprintf(stderr, "nboctl bench: %s from %s: %s\n",
                 std::string(name).c_str(), metrics_address.c_str(),
                 value.status().ToString().c_str());
    return std::nullopt;
  }
  return *value;
}

std::optional<int64_t> ReadServerRss(const std::string& metrics_address) {
  std::optional<double> rss = ReadServerMetric(metrics_address, kRssMetric);
  if (!rss) return std::nullopt;
  return static_cast<int64_t>(*rss);
}

// This process's user + system CPU seconds so far (all threads).
double ClientCpuSeconds() {
  struct rusage usage;
  if (::getrusage(RUSAGE_SELF, &usage) != 0) return 0;
  auto seconds = [](const struct timeval& t) {
    return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// An ordered JSON object with numbers and plain strings, enough for one flat
// report.
class JsonObject {
 public:
  void AddInt(absl::string_view key, int64_t value) {
    AddRaw(key, absl::StrCat(value));
  }
  // Non-finite values become null: JSON has no NaN or infinity.
  void AddDouble(absl::string_view key, double value) {
    AddRaw(key, common::JsonNumber(value));
  }
  void AddString(absl::string_view key, absl::string_view value) {
    AddRaw(key, common::JsonString(value));
  }
  // `json` must be a valid JSON value.
  void AddRaw(absl::string_view key, absl::string_view json) {
    absl::StrAppend(&text_, text_.empty() ? "{" : ",", common::JsonString(key),
                    ":", json);
  }
  std::string Close() const { return text_.empty() ? "{}" : text_ + "}"; }

 private:
  std::string text_;
};

// Everything the bench was told, validated.
struct BenchConfig {
  std::string server;
  std::string model;
  std::string token;
  std::string metrics;
  double duration_s = 0;
  double warmup_s = 0;
  int concurrency = 0;
  int rounds = 1;
  int swaps = 0;
  int num_offers = 0;
  // --customers; 0 means the serving version's customer count.
  int64_t customers = 0;
  bool json = false;
};

// Reads the flags. INVALID_ARGUMENT names the first bad one.
absl::StatusOr<BenchConfig> ReadFlags(const std::vector<std::string>& args) {
  if (!args.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("unexpected argument '", args.front(), "'"));
  }
  BenchConfig config;
  config.server = absl::GetFlag(FLAGS_server);
  config.model = absl::GetFlag(FLAGS_model);
  config.token = absl::GetFlag(FLAGS_token);
  config.metrics = absl::GetFlag(FLAGS_metrics);
  config.duration_s = absl::GetFlag(FLAGS_duration);
  config.warmup_s = absl::GetFlag(FLAGS_warmup);
  config.concurrency = absl::GetFlag(FLAGS_concurrency);
  config.swaps = absl::GetFlag(FLAGS_swaps);
  config.rounds = absl::GetFlag(FLAGS_rounds);
  config.num_offers = absl::GetFlag(FLAGS_bench_num_offers);
  config.customers = absl::GetFlag(FLAGS_customers);
  config.json = absl::GetFlag(FLAGS_json);
  if (config.server.empty()) {
    return absl::InvalidArgumentError("--server is required");
  }
  // Written as !(x > 0) so that NaN is refused too.
  if (!(config.duration_s > 0) || !std::isfinite(config.duration_s)) {
    return absl::InvalidArgumentError("--duration must be > 0 seconds");
  }
  if (!(config.warmup_s >= 0) || !std::isfinite(config.warmup_s)) {
    return absl::InvalidArgumentError("--warmup must be >= 0 seconds");
  }
  if (config.concurrency <= 0 || config.concurrency > kMaxConcurrency) {
    return absl::InvalidArgumentError(
        absl::StrCat("--concurrency must be in 1..", kMaxConcurrency));
  }
  if (config.rounds < 1 || config.rounds > 1000) {
    return absl::InvalidArgumentError("--rounds must be in 1..1000");
  }
  if (config.swaps < 0) {
    return absl::InvalidArgumentError("--swaps must be >= 0");
  }
  if (config.num_offers < 0) {
    return absl::InvalidArgumentError("--bench_num_offers must be >= 0");
  }
  if (config.customers < 0) {
    return absl::InvalidArgumentError("--customers must be >= 0");
  }
  if (!config.metrics.empty()) {
    NBO_RETURN_IF_ERROR(SplitHostPort(config.metrics).status());
  }
  return config;
}

// The results of phase 4.
struct SwapPhase {
  LoadResult load;
  RecommendTally tally;
  std::vector<SwapRecord> publishes;
  // Publishes that failed as RPCs (at most one: the phase stops publishing at
  // the first failure) or whose version FAILED to load.
  int64_t publish_failed = 0;
  // Recommend answers from a version that was neither AVAILABLE before the
  // phase nor published AVAILABLE during it.
  int64_t version_mismatches = 0;
  double export_seconds = 0;
  uint64_t export_bytes = 0;
};

// Phase 4: exports the serving version, then publishes it `config.swaps`
// times as new versions while the Recommend load runs. Returns an error only
// when the phase could not start (status or export failed); publish failures
// are recorded in the result.
absl::StatusOr<SwapPhase> RunSwaps(const BenchConfig& config,
                                   const ChannelPool& pool,
                                   nbo::v1::ModelService::Stub* admin,
                                   int64_t customers) {
  NBO_ASSIGN_OR_RETURN(const ModelView view,
                       GetModelView(admin, config.model, config.token));
  std::fprintf(stderr, "nboctl bench: exporting %s v%lld\n",
               view.model_name.c_str(),
               static_cast<long long>(view.serving_version));
  NBO_ASSIGN_OR_RETURN(const ExportedVersion exported,
                       ExportVersion(admin, view.model_name,
                                     view.serving_version, config.token));
  SwapPhase phase;
  phase.export_seconds = exported.seconds;
  phase.export_bytes = exported.bytes;
  std::fprintf(stderr,
               "nboctl bench: exported %.1f MiB in %.2f s; %d swaps under "
               "Recommend load\n",
               static_cast<double>(exported.bytes) / (1 << 20),
               exported.seconds, config.swaps);

  std::set<int64_t> valid = view.available;
  RecommendWorkload workload(&pool, config.concurrency, customers,
                             /*phase_seed=*/4, config.model, config.num_offers,
                             config.token, "bench: Recommend during swaps");
  ClosedLoop loop(config.concurrency,
                  [&workload](int worker) { return workload.Call(worker); });
  loop.Start();
  for (int i = 1; i <= config.swaps; ++i) {
    const int64_t version = view.max_version + i;
    absl::StatusOr<SwapRecord> record =
        PublishAs(admin, exported, version, config.token);
    if (!record.ok()) {
      std::fprintf(stderr, "nboctl bench: publishing v%lld: %s\n",
                   static_cast<long long>(version),
                   record.status().ToString().c_str());
      ++phase.publish_failed;
      break;
    }
    std::fprintf(stderr, "nboctl bench: swap %d/%d: v%lld %s in %.2f s\n", i,
                 config.swaps, static_cast<long long>(version),
                 nbo::v1::VersionState_Name(record->state).c_str(),
                 record->seconds);
    if (record->state == nbo::v1::VERSION_STATE_AVAILABLE) {
      valid.insert(version);
    } else {
      ++phase.publish_failed;
    }
    phase.publishes.push_back(*record);
  }
  phase.load = loop.Stop();
  phase.tally = workload.Total();
  phase.version_mismatches = phase.tally.CountOutside(valid);
  return phase;
}

int64_t SuccessfulSwaps(const SwapPhase& phase) {
  int64_t n = 0;
  for (const SwapRecord& record : phase.publishes) {
    if (record.state == nbo::v1::VERSION_STATE_AVAILABLE) ++n;
  }
  return n;
}

double MeanPublishSeconds(const SwapPhase& phase) {
  double sum = 0;
  for (const SwapRecord& record : phase.publishes) sum += record.seconds;
  return phase.publishes.empty()
             ? 0
             : sum / static_cast<double>(phase.publishes.size());
}

// Everything the run measured.
struct BenchReport {
  BenchConfig config;
  ModelView model;
  int64_t customers = 0;
  int channels = 0;
  LoadResult health;
  LoadResult recommend;
  RecommendTally tally;
  std::optional<SwapPhase> swaps;
  std::optional<int64_t> rss_under_load;
  std::optional<int64_t> rss_after_swaps;

  double Ratio() const {
    return health.Qps() > 0 ? recommend.Qps() / health.Qps() : 0;
  }
  int64_t TotalFailed() const {
    int64_t failed = health.failed + recommend.failed;
    if (swaps) failed += swaps->load.failed + swaps->publish_failed;
    return failed;
  }
};

void AddLoad(JsonObject* json, absl::string_view prefix,
             const LoadResult& load) {
  json->AddInt(absl::StrCat(prefix, "_requests"), load.requests);
  json->AddInt(absl::StrCat(prefix, "_failed"), load.failed);
  json->AddDouble(absl::StrCat(prefix, "_qps"), load.Qps());
  json->AddDouble(absl::StrCat(prefix, "_mean_us"), load.latency.MeanMicros());
  json->AddDouble(absl::StrCat(prefix, "_p50_us"),
                  load.latency.PercentileMicros(50));
  json->AddDouble(absl::StrCat(prefix, "_p99_us"),
                  load.latency.PercentileMicros(99));
  json->AddDouble(absl::StrCat(prefix, "_p999_us"),
                  load.latency.PercentileMicros(99.9));
  json->AddDouble(absl::StrCat(prefix, "_max_us"), load.latency.MaxMicros());
  json->AddDouble(absl::StrCat(prefix, "_seconds"), load.seconds);
  if (load.client_cpu_seconds > 0) {
    json->AddDouble(
        absl::StrCat(prefix, "_client_cpu_us_per_request"),
        LoadResult::PerCall(load.client_cpu_seconds, load.requests));
  }
  if (load.server_cpu_seconds) {
    json->AddDouble(
        absl::StrCat(prefix, "_server_cpu_us_per_request"),
        LoadResult::PerCall(*load.server_cpu_seconds, load.requests));
  }
}

std::string ToJson(const BenchReport& report) {
  JsonObject json;
  json.AddString("server", report.config.server);
  json.AddString("model_name", report.model.model_name);
  json.AddInt("model_version", report.model.serving_version);
  json.AddInt("customers", report.customers);
  json.AddInt("concurrency", report.config.concurrency);
  json.AddInt("channels", report.channels);
  json.AddDouble("duration_s", report.config.duration_s);
  json.AddDouble("warmup_s", report.config.warmup_s);
  json.AddInt("rounds", report.config.rounds);
  json.AddInt("num_offers", report.config.num_offers);
  AddLoad(&json, "health", report.health);
  AddLoad(&json, "recommend", report.recommend);
  json.AddDouble("ratio", report.Ratio());
  json.AddInt("personalized_count", report.tally.personalized);
  json.AddInt("popularity_count", report.tally.popularity);
  json.AddDouble("popularity_fraction", report.tally.PopularityFraction());
  json.AddInt("failed", report.TotalFailed());
  if (report.rss_under_load) {
    json.AddInt("server_rss_bytes_under_load", *report.rss_under_load);
  }
  if (report.swaps) {
    const SwapPhase& swaps = *report.swaps;
    json.AddInt("swaps", SuccessfulSwaps(swaps));
    json.AddInt("swaps_requested", report.config.swaps);
    json.AddInt("swap_publish_failed", swaps.publish_failed);
    json.AddDouble("swap_publish_seconds", MeanPublishSeconds(swaps));
    std::string publishes = "[";
    for (const SwapRecord& record : swaps.publishes) {
      JsonObject one;
      one.AddInt("version", record.version);
      one.AddDouble("seconds", record.seconds);
      one.AddInt("bytes", static_cast<int64_t>(record.bytes_sent));
      one.AddInt("bytes_received", record.bytes_received);
      one.AddString("state", nbo::v1::VersionState_Name(record.state));
      absl::StrAppend(&publishes, publishes.size() > 1 ? "," : "", one.Close());
    }
    json.AddRaw("swap_publishes", publishes + "]");
    json.AddDouble("swap_export_seconds", swaps.export_seconds);
    json.AddInt("swap_export_bytes", static_cast<int64_t>(swaps.export_bytes));
    AddLoad(&json, "swap_recommend", swaps.load);
    json.AddDouble("steady_recommend_p99_us",
                   report.recommend.latency.PercentileMicros(99));
    json.AddDouble("swap_popularity_fraction",
                   swaps.tally.PopularityFraction());
    json.AddInt("swap_version_mismatches", swaps.version_mismatches);
  }
  if (report.rss_after_swaps) {
    json.AddInt("server_rss_bytes_after_swaps", *report.rss_after_swaps);
  }
  return json.Close();
}

void PrintLoadRow(const char* name, const LoadResult& load) {
  std::printf("%-16s %10lld %8lld %11.1f %9.1f %9.1f %9.1f\n", name,
              static_cast<long long>(load.requests),
              static_cast<long long>(load.failed), load.Qps(),
              load.latency.PercentileMicros(50),
              load.latency.PercentileMicros(99),
              load.latency.PercentileMicros(99.9));
}

void PrintTable(const BenchReport& report) {
  std::printf(
      "server %s  model %s v%lld  customers %lld  concurrency %d (%d "
      "channels)  duration %.1f s\n\n",
      report.config.server.c_str(), report.model.model_name.c_str(),
      static_cast<long long>(report.model.serving_version),
      static_cast<long long>(report.customers), report.config.concurrency,
      report.channels, report.config.duration_s);
  std::printf("%-16s %10s %8s %11s %9s %9s %9s\n", "phase", "requests",
              "failed", "ok/s", "p50_us", "p99_us", "p99.9_us");
  PrintLoadRow("health/check", report.health);
  PrintLoadRow("recommend", report.recommend);
  if (report.swaps) PrintLoadRow("recommend+swaps", report.swaps->load);
  std::printf("\nratio recommend/health: %.3f\n", report.Ratio());
  for (const auto& [name, load] :
       {std::pair<const char*, const LoadResult*>{"health", &report.health},
        {"recommend", &report.recommend}}) {
    std::printf("%s CPU per request: client %.1f us", name,
                LoadResult::PerCall(load->client_cpu_seconds, load->requests));
    if (load->server_cpu_seconds) {
      std::printf(
          ", server %.1f us",
          LoadResult::PerCall(*load->server_cpu_seconds, load->requests));
    }
    std::printf("\n");
  }
  std::printf(
      "recommend answers: %lld personalized, %lld popularity (%.2f%%)\n",
      static_cast<long long>(report.tally.personalized),
      static_cast<long long>(report.tally.popularity),
      100 * report.tally.PopularityFraction());
  if (report.swaps) {
    const SwapPhase& swaps = *report.swaps;
    std::printf(
        "swaps: %lld of %d AVAILABLE, publish mean %.2f s, %.1f MiB each; "
        "failed publishes %lld; version mismatches %lld\n",
        static_cast<long long>(SuccessfulSwaps(swaps)), report.config.swaps,
        MeanPublishSeconds(swaps),
        static_cast<double>(swaps.export_bytes) / (1 << 20),
        static_cast<long long>(swaps.publish_failed),
        static_cast<long long>(swaps.version_mismatches));
  }
  if (report.rss_under_load) {
    std::printf("server RSS under load: %.1f MiB\n",
                static_cast<double>(*report.rss_under_load) / (1 << 20));
  }
  if (report.rss_after_swaps) {
    std::printf("server RSS after swaps: %.1f MiB\n",
                static_cast<double>(*report.rss_after_swaps) / (1 << 20));
  }
  std::printf("failed in total: %lld\n",
              static_cast<long long>(report.TotalFailed()));
}

void WarnIfPopularity(const char* phase, const RecommendTally& tally) {
  if (tally.PopularityFraction() > kPopularityWarnFraction) {
    std::fprintf(
        stderr,
        "nboctl bench: warning: %.1f%% of %s answers were "
        "STRATEGY_POPULARITY: those customers are unknown to the model, so "
        "the run measures the fallback rather than scoring (check "
        "--customers)\n",
        100 * tally.PopularityFraction(), phase);
  }
}

}  // namespace

int Bench(const std::vector<std::string>& args) {
  absl::StatusOr<BenchConfig> config = ReadFlags(args);
  if (!config.ok()) {
    std::fprintf(stderr, "nboctl bench: %s\n",
                 std::string(config.status().message()).c_str());
    return 2;
  }
  BenchReport report;
  report.config = *config;

  const ChannelPool pool(config->server, config->concurrency);
  report.channels = pool.size();
  if (!pool.WaitForConnected(kConnectTimeout).ok()) {
    std::fprintf(stderr, "nboctl bench: cannot connect to %s\n",
                 config->server.c_str());
    return 1;
  }
  const std::unique_ptr<nbo::v1::ModelService::Stub> admin =
      nbo::v1::ModelService::NewStub(MakeChannel(config->server));
  absl::StatusOr<ModelView> model =
      GetModelView(admin.get(), config->model, config->token);
  if (!model.ok()) {
    std::fprintf(stderr, "nboctl bench: model status: %s\n",
                 model.status().ToString().c_str());
    return 1;
  }
  report.model = *model;
  report.customers =
      config->customers > 0 ? config->customers : model->customer_count;
  if (report.customers <= 0) {
    std::fprintf(stderr,
                 "nboctl bench: %s v%lld has no customers; pass --customers\n",
                 model->model_name.c_str(),
                 static_cast<long long>(model->serving_version));
    return 1;
  }

  const auto recommend_workload = [&](uint64_t phase_seed, const char* what) {
    return std::make_unique<RecommendWorkload>(
        &pool, config->concurrency, report.customers, phase_seed, config->model,
        config->num_offers, config->token, what);
  };

  // Phase 1: warm-up.
  if (config->warmup_s > 0) {
    std::fprintf(stderr, "nboctl bench: warm-up %.1f s at concurrency %d\n",
                 config->warmup_s, config->concurrency);
    const auto warmup = recommend_workload(1, "bench: Recommend (warm-up)");
    ClosedLoop loop(config->concurrency,
                    [&warmup](int worker) { return warmup->Call(worker); });
    const LoadResult ignored = loop.RunFor(config->warmup_s);
    // Not measured; only a warm-up that never succeeded is worth a word.
    if (ignored.requests > 0 && ignored.failed == ignored.requests) {
      std::fprintf(stderr,
                   "nboctl bench: warning: every warm-up call failed\n");
    }
  }

  // Phases 2 and 3: Health/Check (the transport floor) and Recommend, each
  // for `duration` in total, interleaved in `rounds` alternating slices so
  // that drift in the machine's speed (other tenants, frequency scaling)
  // falls on both alike and the ratio compares like with like.
  std::fprintf(stderr,
               "nboctl bench: Health/Check and Recommend, %.1f s each in %d "
               "alternating rounds, over %lld customers\n",
               config->duration_s, config->rounds,
               static_cast<long long>(report.customers));
  {
    FirstError errors("bench: Health/Check");
    const std::string& token = config->token;
    const auto health_call = [&](int worker) {
      grpc::health::v1::HealthCheckRequest request;
      grpc::health::v1::HealthCheckResponse response;
      grpc::ClientContext context;
      PrepareContext(&context, token, kCallTimeout);
      const grpc::Status status =
          pool.health(worker)->Check(&context, request, &response);
      if (!status.ok()) errors.Note(status);
      return status.ok();
    };
    const auto workload = recommend_workload(3, "bench: Recommend");
    const double slice = config->duration_s / config->rounds;
    // Runs one slice and charges it the CPU both processes spent. The server
    // is sampled outside the measured window.
    const auto measured = [&](ClosedLoop& loop,
                              const std::function<void()>& during) {
      std::optional<double> server_before;
      if (!config->metrics.empty()) {
        server_before = ReadServerMetric(config->metrics, kCpuMetric);
      }
      const double client_before = ClientCpuSeconds();
      LoadResult result = loop.RunFor(slice, during);
      result.client_cpu_seconds = ClientCpuSeconds() - client_before;
      if (server_before) {
        std::optional<double> server_after =
            ReadServerMetric(config->metrics, kCpuMetric);
        if (server_after) {
          result.server_cpu_seconds = *server_after - *server_before;
        }
      }
      return result;
    };
    for (int round = 0; round < config->rounds; ++round) {
      ClosedLoop health(config->concurrency, health_call);
      report.health.Add(measured(health, nullptr));
      ClosedLoop recommend(config->concurrency, [&workload](int worker) {
        return workload->Call(worker);
      });
      const bool last = round == config->rounds - 1;
      report.recommend.Add(measured(recommend, [&] {
        if (last && !config->metrics.empty()) {
          report.rss_under_load = ReadServerRss(config->metrics);
        }
      }));
    }
    report.tally = workload->Total();
  }
  WarnIfPopularity("Recommend", report.tally);

  // Phase 4: hot swaps under load.
  if (config->swaps > 0) {
    absl::StatusOr<SwapPhase> swaps =
        RunSwaps(*config, pool, admin.get(), report.customers);
    if (swaps.ok()) {
      report.swaps = std::move(*swaps);
      WarnIfPopularity("Recommend-during-swaps", report.swaps->tally);
      if (report.swaps->version_mismatches > 0) {
        std::fprintf(stderr,
                     "nboctl bench: warning: %lld answers came from a version "
                     "that was never AVAILABLE\n",
                     static_cast<long long>(report.swaps->version_mismatches));
      }
    } else {
      // The steady phases are still worth reporting; the swap keys are
      // omitted.
      std::fprintf(stderr, "nboctl bench: swaps skipped: %s\n",
                   swaps.status().ToString().c_str());
    }
    if (!config->metrics.empty()) {
      report.rss_after_swaps = ReadServerRss(config->metrics);
    }
  }

  if (config->json) {
    std::printf("%s\n", ToJson(report).c_str());
  } else {
    PrintTable(report);
  }
  return 0;
}

}  // namespace nbo::nboctl
