// Copyright (c) 2026 The nbo Authors. MIT License.
//
// The load machinery of `nboctl bench`, shared by its methods: a latency
// histogram, a closed-loop load generator, the pool of load channels, the
// Recommend and ScoreCustomer workloads over the model's customers, and the
// flat JSON report.

#ifndef NBO_TOOLS_NBOCTL_BENCH_LOAD_H_
#define NBO_TOOLS_NBOCTL_BENCH_LOAD_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/notification.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "nbo/v1/ingest_service.grpc.pb.h"
#include "nbo/v1/model_service.grpc.pb.h"
#include "nbo/v1/nbo_service.grpc.pb.h"
#include "services/common/client_channel.h"

namespace nbo::nboctl {

using BenchClock = std::chrono::steady_clock;

// Load threads per channel (and so per HTTP/2 connection).
inline constexpr int kWorkersPerChannel = 4;
// Upper bound on --concurrency: one thread per in-flight call.
inline constexpr int kMaxConcurrency = 4096;
// Seed of the customer draw; fixed so that two runs ask for the same
// customers in the same order per worker.
inline constexpr uint64_t kCustomerSeed = 0x6e626f2d62656e63;  // "nbo-benc"
// Deadline of one load call. A call that takes longer is a failure.
inline constexpr std::chrono::seconds kCallTimeout(10);
// How long the load channels may take to connect before the server counts
// as unreachable.
inline constexpr std::chrono::seconds kConnectTimeout(5);
// Deadline of GetModelStatus and GetCatalog.
inline constexpr std::chrono::seconds kAdminTimeout(10);

double SecondsSince(BenchClock::time_point start);

// Sets the deadline and, when a token is given, the bearer token.
void PrepareContext(grpc::ClientContext* context, const std::string& token,
                    std::chrono::seconds timeout);

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
  void Record(int64_t nanos);

  // Adds every value recorded in `other`.
  void Merge(const LatencyHistogram& other);

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
  double PercentileMicros(double percent) const;

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

  static int BucketOf(uint64_t value);
  static uint64_t HighestValueIn(int bucket);

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
  void Add(const LoadResult& other);

  // Microseconds of CPU per completed call.
  static double PerCall(double cpu_seconds, int64_t calls) {
    return calls > 0 ? cpu_seconds * 1e6 / static_cast<double>(calls) : 0;
  }

  // Successful calls per second: failed calls are not throughput.
  double Qps() const {
    return seconds > 0 ? static_cast<double>(requests - failed) / seconds : 0;
  }
};

// What one call of a closed loop came to.
enum class CallResult {
  kOk,
  kFailed,
  // The worker has no more work (a prepared pool ran out, a call limit was
  // reached): nothing was called, and the loop ends.
  kExhausted,
};

// A closed-loop load generator: `concurrency` threads each issue one call at
// a time, back to back, so that exactly `concurrency` calls are in flight
// until Stop(), or until the first worker runs out of work. Each call is
// timed around the call function, on the monotonic clock.
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
  // Like Call, for work that can run out.
  using BoundedCall = std::function<CallResult(int worker)>;

  ClosedLoop(int concurrency, Call call);
  ClosedLoop(int concurrency, BoundedCall call);

  ClosedLoop(const ClosedLoop&) = delete;
  ClosedLoop& operator=(const ClosedLoop&) = delete;

  // Stops the workers if they are still running; the result is dropped.
  ~ClosedLoop();

  // Starts the workers. Every thread is created before the first call so
  // that thread creation is not part of the measured window.
  // REQUIRES: Start() has not been called.
  void Start();

  // Asks the workers to stop, waits for their in-flight calls, and returns
  // the merged result.
  // REQUIRES: Start() has been called and Stop() has not.
  LoadResult Stop();

  // Runs the load for `seconds`, or until a worker runs out of work, and
  // returns the result. `during`, when set, runs just before the load stops
  // (for sampling the server under load); not when the run ended early.
  LoadResult RunFor(double seconds,
                    const std::function<void()>& during = nullptr);

  // Whether a worker ran out of work (the run ended early).
  bool exhausted() const { return exhausted_flag_.load(); }

 private:
  void Work(int worker);

  const int concurrency_;
  const BoundedCall call_;
  absl::Notification go_;
  std::atomic<bool> stop_{false};
  // Set, and exhausted_ notified, by the first worker that runs out.
  std::atomic<bool> exhausted_flag_{false};
  absl::Notification exhausted_;
  std::vector<std::thread> threads_;
  BenchClock::time_point start_;
  // Slot i is written only by worker i, before it exits; read after join.
  std::vector<LoadResult> per_worker_;
};

// Prints the first failure of a phase to stderr and swallows the rest, so
// that a failing server does not flood the terminal. Thread-safe.
class FirstError {
 public:
  explicit FirstError(std::string what) : what_(std::move(what)) {}

  void Note(const grpc::Status& status);

 private:
  const std::string what_;
  std::atomic<bool> noted_{false};
};

// The load channels and their stubs. Worker w uses channel
// w / kWorkersPerChannel. Stubs are thread-safe; the pool is immutable once
// built.
class ChannelPool {
 public:
  // Channels to `server` (HOST:PORT) for `concurrency` workers, without a
  // token (calls carry it), over TLS when `tls` names files (its ca_file,
  // cert_file, key_file and authority_override are used). INVALID_ARGUMENT
  // for an empty server.
  static absl::StatusOr<ChannelPool> Create(
      const std::string& server, int concurrency,
      const services::ClientOptions& tls = {});

  int size() const { return static_cast<int>(channels_.size()); }

  v1::NBOService::Stub* nbo(int worker) const {
    return nbo_[worker / kWorkersPerChannel].get();
  }
  grpc::health::v1::Health::Stub* health(int worker) const {
    return health_[worker / kWorkersPerChannel].get();
  }
  v1::ModelService::Stub* models(int worker) const {
    return models_[worker / kWorkersPerChannel].get();
  }
  v1::IngestService::Stub* ingest(int worker) const {
    return ingest_[worker / kWorkersPerChannel].get();
  }

  // A channel of its own for admin calls (model status, export, publish), so
  // that they neither queue behind the load nor add to its connections.
  const std::shared_ptr<grpc::Channel>& admin_channel() const {
    return admin_channel_;
  }

  // Connects every channel. Returns UNAVAILABLE if one is not ready within
  // `timeout`.
  absl::Status WaitForConnected(std::chrono::seconds timeout) const;

 private:
  ChannelPool() = default;

  std::vector<std::shared_ptr<grpc::Channel>> channels_;
  std::shared_ptr<grpc::Channel> admin_channel_;
  std::vector<std::unique_ptr<v1::NBOService::Stub>> nbo_;
  std::vector<std::unique_ptr<grpc::health::v1::Health::Stub>> health_;
  std::vector<std::unique_ptr<v1::ModelService::Stub>> models_;
  std::vector<std::unique_ptr<v1::IngestService::Stub>> ingest_;
};

// How the successful Recommend (or ScoreCustomer) calls of one phase were
// answered.
struct RecommendTally {
  int64_t personalized = 0;
  int64_t popularity = 0;
  int64_t fold_in = 0;
  int64_t profile = 0;
  int64_t unspecified = 0;
  // Answers per model_version.
  std::map<int64_t, int64_t> versions;

  int64_t answered() const {
    return personalized + popularity + fold_in + profile + unspecified;
  }

  double PopularityFraction() const { return Fraction(popularity); }
  double FoldInFraction() const { return Fraction(fold_in); }

  // Counts one answer.
  void Note(v1::Strategy strategy, int64_t model_version);

  // Answers whose version is not in `valid`.
  int64_t CountOutside(const std::set<int64_t>& valid) const;

  void Merge(const RecommendTally& other);

 private:
  double Fraction(int64_t count) const {
    return answered() == 0
               ? 0
               : static_cast<double>(count) / static_cast<double>(answered());
  }
};

// Customer ids drawn uniformly, per worker, from C0000001..C<customers> with
// a fixed seed: two draws built with the same phase seed hand each worker
// the same sequence of customers. Next() is called concurrently, each worker
// with its own index.
class CustomerDraw {
 public:
  CustomerDraw(int concurrency, int64_t customers, uint64_t phase_seed);

  std::string Next(int worker);

 private:
  // Aligned so that two workers' generators never share a cache line.
  struct alignas(64) Worker {
    std::mt19937_64 rng;
    std::uniform_int_distribution<int64_t> customer;
  };
  std::vector<Worker> workers_;
};

// Calls for customers drawn uniformly from C0000001..C<customers>, tallied
// per worker: what RecommendWorkload and ScoreWorkload share. Call() is
// invoked concurrently, each worker with its own index; Total() only once
// the loop has stopped.
class CustomerWorkload {
 public:
  CustomerWorkload(const ChannelPool* pool, int concurrency, int64_t customers,
                   uint64_t phase_seed, std::string model_name, int num_offers,
                   std::string token, std::string what);

  RecommendTally Total() const;

 protected:
  // Tallies one finished call; false when it failed.
  bool Done(int worker, const grpc::Status& status, v1::Strategy strategy,
            int64_t model_version);

  const ChannelPool* const pool_;
  const std::string model_name_;
  const int num_offers_;
  const std::string token_;
  CustomerDraw customers_;

 private:
  struct alignas(64) Worker {
    RecommendTally tally;
  };
  FirstError errors_;
  std::vector<Worker> workers_;
};

// NBOService.Recommend: the full decision pipeline.
class RecommendWorkload : public CustomerWorkload {
 public:
  using CustomerWorkload::CustomerWorkload;
  bool Call(int worker);
};

// ModelService.ScoreCustomer calls, the bare scoring Recommend's pipeline is
// built on: built with the same phase seed as a RecommendWorkload it asks
// for the same customers in the same order, with num_products = num_offers.
// REQUIRES: num_offers >= 1.
class ScoreWorkload : public CustomerWorkload {
 public:
  using CustomerWorkload::CustomerWorkload;
  bool Call(int worker);
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
absl::StatusOr<ModelView> GetModelView(v1::ModelService::Stub* stub,
                                       const std::string& model,
                                       const std::string& token);

// An ordered JSON object with numbers and plain strings, enough for one flat
// report. Not thread-safe.
class JsonObject {
 public:
  void AddInt(absl::string_view key, int64_t value);
  // Non-finite values become null: JSON has no NaN or infinity.
  void AddDouble(absl::string_view key, double value);
  void AddString(absl::string_view key, absl::string_view value);
  // `json` must be a valid JSON value.
  void AddRaw(absl::string_view key, absl::string_view json);
  std::string Close() const { return text_.empty() ? "{}" : text_ + "}"; }

 private:
  std::string text_;
};

// Adds <prefix>_requests, _failed, _qps, _mean_us, _p50_us, _p99_us,
// _p999_us, _max_us, _seconds and, when measured, the CPU per request.
void AddLoad(JsonObject* json, absl::string_view prefix,
             const LoadResult& load);

// The header of the phase table PrintLoadRow() prints rows of.
void PrintLoadHeader();
void PrintLoadRow(const char* name, const LoadResult& load);

}  // namespace nbo::nboctl

#endif  // NBO_TOOLS_NBOCTL_BENCH_LOAD_H_
