// Copyright (c) 2026 The nbo Authors. MIT License.

#include "tools/nboctl/bench_load.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "lib/common/json.h"
#include "lib/common/status_macros.h"
#include "services/common/client_channel.h"
#include "services/common/grpc_status.h"

namespace nbo::nboctl {

double SecondsSince(BenchClock::time_point start) {
  return std::chrono::duration<double>(BenchClock::now() - start).count();
}

void PrepareContext(grpc::ClientContext* context, const std::string& token,
                    std::chrono::seconds timeout) {
  context->set_deadline(std::chrono::system_clock::now() + timeout);
  services::AddBearerToken(token, context);
}

void LatencyHistogram::Record(int64_t nanos) {
  const uint64_t value = nanos < 0 ? 0 : static_cast<uint64_t>(nanos);
  ++counts_[BucketOf(value)];
  ++count_;
  sum_nanos_ += static_cast<double>(value);
  max_nanos_ = std::max(max_nanos_, value);
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (int i = 0; i < kNumBuckets; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_nanos_ += other.sum_nanos_;
  max_nanos_ = std::max(max_nanos_, other.max_nanos_);
}

double LatencyHistogram::PercentileMicros(double percent) const {
  if (count_ == 0) return 0;
  const int64_t rank = std::clamp<int64_t>(
      static_cast<int64_t>(
          std::ceil(percent / 100.0 * static_cast<double>(count_))),
      1, count_);
  int64_t seen = 0;
  for (int i = 0; i < kNumBuckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      return static_cast<double>(std::min(HighestValueIn(i), max_nanos_)) / 1e3;
    }
  }
  return MaxMicros();
}

int LatencyHistogram::BucketOf(uint64_t value) {
  value = std::min(value, (uint64_t{1} << kMaxBits) - 1);
  if (value < kExactLimit) return static_cast<int>(value);
  // shift >= 1, and value >> shift keeps the top kSubBucketBits bits, the
  // leading one included, so it lies in [kHalf, kExactLimit).
  const int shift = std::bit_width(value) - kSubBucketBits;
  const uint64_t mantissa = value >> shift;
  return static_cast<int>(kExactLimit + (shift - 1) * kHalf +
                          (mantissa - kHalf));
}

uint64_t LatencyHistogram::HighestValueIn(int bucket) {
  const uint64_t b = static_cast<uint64_t>(bucket);
  if (b < kExactLimit) return b;
  const uint64_t r = b - kExactLimit;
  const int shift = static_cast<int>(r / kHalf) + 1;
  const uint64_t mantissa = r % kHalf + kHalf;
  return ((mantissa + 1) << shift) - 1;
}

void LoadResult::Add(const LoadResult& other) {
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

ClosedLoop::ClosedLoop(int concurrency, Call call)
    : ClosedLoop(concurrency, BoundedCall([call = std::move(call)](int worker) {
                   return call(worker) ? CallResult::kOk : CallResult::kFailed;
                 })) {}

ClosedLoop::ClosedLoop(int concurrency, BoundedCall call)
    : concurrency_(concurrency),
      call_(std::move(call)),
      per_worker_(concurrency) {}

ClosedLoop::~ClosedLoop() {
  if (!threads_.empty()) Stop();
}

void ClosedLoop::Start() {
  threads_.reserve(concurrency_);
  for (int i = 0; i < concurrency_; ++i) {
    threads_.emplace_back([this, i] { Work(i); });
  }
  start_ = BenchClock::now();
  go_.Notify();
}

LoadResult ClosedLoop::Stop() {
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

LoadResult ClosedLoop::RunFor(double seconds,
                              const std::function<void()>& during) {
  Start();
  // Wakes early only when a worker runs out of work.
  const bool ended_early =
      exhausted_.WaitForNotificationWithTimeout(absl::Seconds(seconds));
  if (during && !ended_early) during();
  return Stop();
}

void ClosedLoop::Work(int worker) {
  go_.WaitForNotification();
  // Tally locally and publish once at the end, so that neighbouring
  // workers do not share cache lines while the load runs.
  LoadResult mine;
  while (!stop_.load(std::memory_order_relaxed)) {
    const BenchClock::time_point begin = BenchClock::now();
    const CallResult result = call_(worker);
    const int64_t nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(
                              BenchClock::now() - begin)
                              .count();
    if (result == CallResult::kExhausted) {
      if (!exhausted_flag_.exchange(true)) exhausted_.Notify();
      break;
    }
    ++mine.requests;
    if (result == CallResult::kOk) {
      mine.latency.Record(nanos);
    } else {
      ++mine.failed;
    }
  }
  per_worker_[worker] = std::move(mine);
}

void FirstError::Note(const grpc::Status& status) {
  if (!noted_.exchange(true)) {
    const absl::Status converted = services::FromGrpcStatus(status);
    std::fprintf(stderr,
                 "nboctl: %s (first failure; later ones are counted only): "
                 "%s: %s\n",
                 what_.c_str(),
                 absl::StatusCodeToString(converted.code()).c_str(),
                 std::string(converted.message()).c_str());
  }
}

absl::StatusOr<ChannelPool> ChannelPool::Create(
    const std::string& server, int concurrency,
    const services::ClientOptions& tls) {
  ChannelPool pool;
  const int channels =
      (concurrency + kWorkersPerChannel - 1) / kWorkersPerChannel;
  services::ClientOptions options;
  options.target = server;
  options.ca_file = tls.ca_file;
  options.cert_file = tls.cert_file;
  options.key_file = tls.key_file;
  options.authority_override = tls.authority_override;
  for (int i = 0; i < channels; ++i) {
    options.connection_key = absl::StrCat("bench-", i);
    NBO_ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel,
                         services::MakeChannel(options));
    pool.channels_.push_back(channel);
    pool.nbo_.push_back(v1::NBOService::NewStub(channel));
    pool.health_.push_back(grpc::health::v1::Health::NewStub(channel));
    pool.models_.push_back(v1::ModelService::NewStub(channel));
    pool.ingest_.push_back(v1::IngestService::NewStub(channel));
  }
  options.connection_key = "bench-admin";
  NBO_ASSIGN_OR_RETURN(pool.admin_channel_, services::MakeChannel(options));
  return pool;
}

absl::Status ChannelPool::WaitForConnected(std::chrono::seconds timeout) const {
  const auto deadline = std::chrono::system_clock::now() + timeout;
  for (const auto& channel : channels_) {
    if (!channel->WaitForConnected(deadline)) {
      return absl::UnavailableError("cannot connect");
    }
  }
  return absl::OkStatus();
}

void RecommendTally::Note(v1::Strategy strategy, int64_t model_version) {
  switch (strategy) {
    case v1::STRATEGY_PERSONALIZED:
      ++personalized;
      break;
    case v1::STRATEGY_POPULARITY:
      ++popularity;
      break;
    case v1::STRATEGY_FOLD_IN:
      ++fold_in;
      break;
    case v1::STRATEGY_PROFILE:
      ++profile;
      break;
    default:
      ++unspecified;
      break;
  }
  ++versions[model_version];
}

int64_t RecommendTally::CountOutside(const std::set<int64_t>& valid) const {
  int64_t outside = 0;
  for (const auto& [version, count] : versions) {
    if (!valid.contains(version)) outside += count;
  }
  return outside;
}

void RecommendTally::Merge(const RecommendTally& other) {
  personalized += other.personalized;
  popularity += other.popularity;
  fold_in += other.fold_in;
  profile += other.profile;
  unspecified += other.unspecified;
  for (const auto& [version, count] : other.versions) {
    versions[version] += count;
  }
}

CustomerDraw::CustomerDraw(int concurrency, int64_t customers,
                           uint64_t phase_seed)
    : workers_(concurrency) {
  for (int i = 0; i < concurrency; ++i) {
    std::seed_seq seed{kCustomerSeed, phase_seed, static_cast<uint64_t>(i)};
    workers_[i].rng.seed(seed);
    workers_[i].customer = std::uniform_int_distribution<int64_t>(1, customers);
  }
}

std::string CustomerDraw::Next(int worker) {
  Worker& state = workers_[worker];
  return absl::StrFormat("C%07d", state.customer(state.rng));
}

CustomerWorkload::CustomerWorkload(const ChannelPool* pool, int concurrency,
                                   int64_t customers, uint64_t phase_seed,
                                   std::string model_name, int num_offers,
                                   std::string token, std::string what)
    : pool_(pool),
      model_name_(std::move(model_name)),
      num_offers_(num_offers),
      token_(std::move(token)),
      customers_(concurrency, customers, phase_seed),
      errors_(std::move(what)),
      workers_(concurrency) {}

bool CustomerWorkload::Done(int worker, const grpc::Status& status,
                            v1::Strategy strategy, int64_t model_version) {
  if (!status.ok()) {
    errors_.Note(status);
    return false;
  }
  workers_[worker].tally.Note(strategy, model_version);
  return true;
}

RecommendTally CustomerWorkload::Total() const {
  RecommendTally total;
  for (const Worker& worker : workers_) total.Merge(worker.tally);
  return total;
}

bool RecommendWorkload::Call(int worker) {
  v1::RecommendRequest request;
  request.set_customer_id(customers_.Next(worker));
  if (num_offers_ > 0) request.set_num_offers(num_offers_);
  if (!model_name_.empty()) {
    request.mutable_model()->set_model_name(model_name_);
  }
  v1::RecommendResponse response;
  grpc::ClientContext context;
  PrepareContext(&context, token_, kCallTimeout);
  const grpc::Status status =
      pool_->nbo(worker)->Recommend(&context, request, &response);
  return Done(worker, status, response.strategy(), response.model_version());
}

bool ScoreWorkload::Call(int worker) {
  v1::ScoreCustomerRequest request;
  request.set_customer_id(customers_.Next(worker));
  request.set_num_products(num_offers_);
  if (!model_name_.empty()) {
    request.mutable_model()->set_model_name(model_name_);
  }
  v1::ScoreCustomerResponse response;
  grpc::ClientContext context;
  PrepareContext(&context, token_, kCallTimeout);
  const grpc::Status status =
      pool_->models(worker)->ScoreCustomer(&context, request, &response);
  return Done(worker, status, response.strategy(), response.model_version());
}

absl::StatusOr<ModelView> GetModelView(v1::ModelService::Stub* stub,
                                       const std::string& model,
                                       const std::string& token) {
  v1::GetModelStatusRequest request;
  request.set_model_name(model);
  v1::GetModelStatusResponse response;
  grpc::ClientContext context;
  PrepareContext(&context, token, kAdminTimeout);
  const grpc::Status status =
      stub->GetModelStatus(&context, request, &response);
  NBO_RETURN_IF_ERROR(services::FromGrpcStatus(status));
  ModelView view;
  view.model_name = response.model().model_name();
  for (const v1::VersionStatus& version : response.model().versions()) {
    view.max_version = std::max(view.max_version, version.version());
    if (version.state() != v1::VERSION_STATE_AVAILABLE) continue;
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

void JsonObject::AddInt(absl::string_view key, int64_t value) {
  AddRaw(key, absl::StrCat(value));
}

void JsonObject::AddDouble(absl::string_view key, double value) {
  AddRaw(key, common::JsonNumber(value));
}

void JsonObject::AddString(absl::string_view key, absl::string_view value) {
  AddRaw(key, common::JsonString(value));
}

void JsonObject::AddRaw(absl::string_view key, absl::string_view json) {
  absl::StrAppend(&text_, text_.empty() ? "{" : ",", common::JsonString(key),
                  ":", json);
}

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

void PrintLoadHeader() {
  std::printf("%-16s %10s %8s %11s %9s %9s %9s\n", "phase", "requests",
              "failed", "ok/s", "p50_us", "p99_us", "p99.9_us");
}

void PrintLoadRow(const char* name, const LoadResult& load) {
  std::printf("%-16s %10lld %8lld %11.1f %9.1f %9.1f %9.1f\n", name,
              static_cast<long long>(load.requests),
              static_cast<long long>(load.failed), load.Qps(),
              load.latency.PercentileMicros(50),
              load.latency.PercentileMicros(99),
              load.latency.PercentileMicros(99.9));
}

}  // namespace nbo::nboctl
