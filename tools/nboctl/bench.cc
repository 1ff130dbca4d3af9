// Copyright (c) 2026 The nbo Authors. MIT License.
//
// nboctl bench: closed-loop load against one nbo-server.
//
// With --method=recommend (the default) the run has up to four phases, all
// at the same concurrency against the same server:
//   1. warm-up: Recommend calls, not measured, so that connections, server
//      threads and the model's pages are hot before anything is timed;
//   2. the baselines of --compare for --duration seconds each:
//      grpc.health.v1.Health/Check, the transport floor, what a call costs
//      when the handler does nothing; and/or ModelService.ScoreCustomer,
//      bare scoring of the same customers without rules or logging;
//   3. NBOService.Recommend for --duration seconds, customers drawn
//      uniformly (fixed seed) from C0000001..C<N>;
//   4. with --swaps=K, the serving version is exported once and published
//      back K times as new versions while the Recommend load keeps running.
// The interesting numbers are ratio = recommend_qps / health_qps, how close
// scoring runs to the cost of the RPC itself, and recommend_score_ratio =
// recommend_qps / score_qps, what decisioning adds to scoring. With
// --metrics, recommend_score_server_cpu_ratio (server CPU per ScoreCustomer
// over server CPU per Recommend) says the same without the load generator's
// share of the machine.
//
// The other methods (feedback, transactions, foldin) measure one RPC each;
// bench.h describes them.
//
// Each in-flight request is one client thread blocked on a sync stub. The
// threads share ceil(C / 4) channels, each with its own HTTP/2 connection,
// so that one connection's flow control and framing do not become the
// bottleneck being measured.

#include "tools/nboctl/bench.h"

#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "lib/common/status_macros.h"
#include "nbo/v1/model_service.grpc.pb.h"
#include "nbo/v1/nbo_service.grpc.pb.h"
#include "services/common/http_client.h"
#include "services/common/model_stream_client.h"
#include "services/common/prometheus_text.h"
#include "tools/nboctl/bench_load.h"
#include "tools/nboctl/cli_format.h"
#include "tools/nboctl/cli_util.h"
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
ABSL_FLAG(std::string, method, "recommend",
          "bench: what to load: recommend (with the --compare baselines), "
          "feedback (RecordFeedback on offers of decisions made first), "
          "transactions (RecordTransactions, --batch per call) or foldin "
          "(Recommend for customers known only by their transactions)");
ABSL_FLAG(std::string, compare, "health",
          "bench --method=recommend: baselines interleaved with Recommend, "
          "comma-separated: health (grpc.health.v1.Health/Check) and/or score "
          "(ModelService.ScoreCustomer, same customers and num_offers)");
ABSL_FLAG(int64_t, feedback_records, 100000,
          "bench --method=feedback: feedback records to prepare; the measured "
          "phase ends early when they run out");

// Defined in publish.cc; here a list of product ids.
ABSL_DECLARE_FLAG(std::string, products);

namespace nbo::nboctl {
namespace {

using Clock = BenchClock;

// Deadline of one ExportModel or PublishModel stream.
constexpr std::chrono::seconds kStreamTimeout(600);
// Bound on one /metrics scrape.
constexpr absl::Duration kMetricsTimeout = absl::Seconds(5);
// Name of the gauge the server exports for its resident set size.
constexpr absl::string_view kRssMetric = "process_resident_memory_bytes";
constexpr absl::string_view kCpuMetric = "process_cpu_seconds_total";
// Share of popularity answers above which the run is suspect.
constexpr double kPopularityWarnFraction = 0.01;

// A version as ExportModel streams it: header, item chunks, customer chunks,
// commit.
struct ExportedVersion {
  std::vector<nbo::v1::PublishModelRequest> parts;
  uint64_t bytes = 0;
  double seconds = 0;
};

services::StreamCallOptions StreamOptions(const std::string& token) {
  services::StreamCallOptions options;
  options.timeout = absl::FromChrono(kStreamTimeout);
  options.bearer_token = token;
  return options;
}

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
  ExportedVersion exported;
  NBO_ASSIGN_OR_RETURN(
      exported.parts,
      services::ExportModelMessages(*stub, request, StreamOptions(token)));
  for (const nbo::v1::PublishModelRequest& part : exported.parts) {
    exported.bytes += part.ByteSizeLong();
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
  NBO_ASSIGN_OR_RETURN(
      std::unique_ptr<services::PublishStream> stream,
      services::PublishStream::Start(*stub, StreamOptions(token)));
  nbo::v1::PublishModelRequest header = exported.parts.front();
  header.mutable_header()->set_version(version);
  NBO_RETURN_IF_ERROR(stream->Write(header));
  for (size_t i = 1; i < exported.parts.size(); ++i) {
    NBO_RETURN_IF_ERROR(stream->Write(exported.parts[i]));
  }
  NBO_ASSIGN_OR_RETURN(const nbo::v1::PublishModelResponse response,
                       stream->Finish());
  record.seconds = SecondsSince(start);
  record.bytes_sent = stream->bytes_sent();
  record.bytes_received = response.bytes_received();
  record.state = response.state();
  return record;
}

// Reads one sample of the server's /metrics endpoint. Any failure is printed
// to stderr and yields nothing: the keys that need it are then omitted.
std::optional<double> ReadServerMetric(const std::string& metrics_address,
                                       absl::string_view name) {
  services::HttpGetOptions options;
  options.timeout = kMetricsTimeout;
  absl::StatusOr<std::string> body =
      services::HttpGet(metrics_address, "/metrics", options);
  absl::StatusOr<std::vector<services::PrometheusSample>> samples =
      body.ok() ? services::ParsePrometheusText(*body) : body.status();
  absl::StatusOr<double> value =
      samples.ok() ? services::FindPrometheusSample(*samples, name)
                   : samples.status();
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
  config.feedback_records = absl::GetFlag(FLAGS_feedback_records);
  config.batch = absl::GetFlag(FLAGS_batch);
  config.products = ParseList(absl::GetFlag(FLAGS_products));
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
    NBO_RETURN_IF_ERROR(services::SplitHostPort(config.metrics).status());
  }
  const std::string method = absl::GetFlag(FLAGS_method);
  if (method == "recommend") {
    config.method = BenchMethod::kRecommend;
  } else if (method == "feedback") {
    config.method = BenchMethod::kFeedback;
  } else if (method == "transactions") {
    config.method = BenchMethod::kTransactions;
  } else if (method == "foldin") {
    config.method = BenchMethod::kFoldIn;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("--method '", method,
                     "' is not recommend, feedback, transactions or foldin"));
  }
  config.compare_health = false;
  config.compare_score = false;
  for (const std::string& baseline : ParseList(absl::GetFlag(FLAGS_compare))) {
    if (baseline == "health") {
      config.compare_health = true;
    } else if (baseline == "score") {
      config.compare_score = true;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("--compare: '", baseline, "' is not health or score"));
    }
  }
  if (config.method == BenchMethod::kRecommend) {
    if (!config.compare_health && !config.compare_score) {
      return absl::InvalidArgumentError(
          "--compare needs health, score or both");
    }
    if (config.compare_score && config.num_offers == 0) {
      return absl::InvalidArgumentError(
          "--compare=score needs --bench_num_offers > 0, so that "
          "ScoreCustomer returns as many products as Recommend offers");
    }
  } else if (config.swaps > 0) {
    return absl::InvalidArgumentError("--swaps is for --method=recommend only");
  }
  if (config.feedback_records < 1) {
    return absl::InvalidArgumentError("--feedback_records must be >= 1");
  }
  if (config.batch < 1) {
    return absl::InvalidArgumentError("--batch must be >= 1");
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
  // Set when config.compare_health, config.compare_score.
  LoadResult health;
  LoadResult score;
  LoadResult recommend;
  RecommendTally tally;
  RecommendTally score_tally;
  std::optional<SwapPhase> swaps;
  std::optional<int64_t> rss_under_load;
  std::optional<int64_t> rss_after_swaps;

  double Ratio() const {
    return health.Qps() > 0 ? recommend.Qps() / health.Qps() : 0;
  }
  double ScoreRatio() const {
    return score.Qps() > 0 ? recommend.Qps() / score.Qps() : 0;
  }
  // Server CPU per ScoreCustomer / server CPU per Recommend: the ratio a
  // server would reach with its cores to itself (the load generator
  // elsewhere). Unset without --metrics.
  std::optional<double> ScoreServerCpuRatio() const {
    if (!score.server_cpu_seconds || !recommend.server_cpu_seconds) {
      return std::nullopt;
    }
    const double score_cpu =
        LoadResult::PerCall(*score.server_cpu_seconds, score.requests);
    const double recommend_cpu =
        LoadResult::PerCall(*recommend.server_cpu_seconds, recommend.requests);
    if (!(score_cpu > 0) || !(recommend_cpu > 0)) return std::nullopt;
    return score_cpu / recommend_cpu;
  }
  int64_t TotalFailed() const {
    int64_t failed = health.failed + score.failed + recommend.failed;
    if (swaps) failed += swaps->load.failed + swaps->publish_failed;
    return failed;
  }
};

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
  if (report.config.compare_health) AddLoad(&json, "health", report.health);
  AddLoad(&json, "recommend", report.recommend);
  if (report.config.compare_health) json.AddDouble("ratio", report.Ratio());
  if (report.config.compare_score) {
    AddLoad(&json, "score", report.score);
    json.AddDouble("recommend_score_ratio", report.ScoreRatio());
    if (const std::optional<double> cpu = report.ScoreServerCpuRatio()) {
      json.AddDouble("recommend_score_server_cpu_ratio", *cpu);
    }
    json.AddDouble("score_popularity_fraction",
                   report.score_tally.PopularityFraction());
  }
  json.AddInt("personalized_count", report.tally.personalized);
  json.AddInt("popularity_count", report.tally.popularity);
  json.AddInt("fold_in_count", report.tally.fold_in);
  json.AddInt("profile_count", report.tally.profile);
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

void PrintTable(const BenchReport& report) {
  std::printf(
      "server %s  model %s v%lld  customers %lld  concurrency %d (%d "
      "channels)  duration %.1f s\n\n",
      report.config.server.c_str(), report.model.model_name.c_str(),
      static_cast<long long>(report.model.serving_version),
      static_cast<long long>(report.customers), report.config.concurrency,
      report.channels, report.config.duration_s);
  PrintLoadHeader();
  if (report.config.compare_health) PrintLoadRow("health/check", report.health);
  if (report.config.compare_score) PrintLoadRow("score", report.score);
  PrintLoadRow("recommend", report.recommend);
  if (report.swaps) PrintLoadRow("recommend+swaps", report.swaps->load);
  std::printf("\n");
  if (report.config.compare_health) {
    std::printf("ratio recommend/health: %.3f\n", report.Ratio());
  }
  if (report.config.compare_score) {
    std::printf(
        "ratio recommend/score: %.3f (p50 %.1f vs %.1f us, p99 %.1f vs %.1f "
        "us)\n",
        report.ScoreRatio(), report.recommend.latency.PercentileMicros(50),
        report.score.latency.PercentileMicros(50),
        report.recommend.latency.PercentileMicros(99),
        report.score.latency.PercentileMicros(99));
    if (const std::optional<double> cpu = report.ScoreServerCpuRatio()) {
      std::printf(
          "server CPU per call, score/recommend: %.3f (the ratio with the "
          "server's cores to itself)\n",
          *cpu);
    }
  }
  std::vector<std::pair<const char*, const LoadResult*>> phases;
  if (report.config.compare_health)
    phases.push_back({"health", &report.health});
  if (report.config.compare_score) phases.push_back({"score", &report.score});
  phases.push_back({"recommend", &report.recommend});
  for (const auto& [name, load] : phases) {
    std::printf("%s CPU per request: client %.1f us", name,
                LoadResult::PerCall(load->client_cpu_seconds, load->requests));
    if (load->server_cpu_seconds) {
      std::printf(
          ", server %.1f us",
          LoadResult::PerCall(*load->server_cpu_seconds, load->requests));
    }
    std::printf("\n");
  }
  std::printf("recommend answers: %lld personalized, %lld popularity (%.2f%%)",
              static_cast<long long>(report.tally.personalized),
              static_cast<long long>(report.tally.popularity),
              100 * report.tally.PopularityFraction());
  if (report.tally.fold_in > 0) {
    std::printf(", %lld fold-in", static_cast<long long>(report.tally.fold_in));
  }
  if (report.tally.profile > 0) {
    std::printf(", %lld profile", static_cast<long long>(report.tally.profile));
  }
  std::printf("\n");
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

// The products of the transactions and foldin methods: --products, or the
// model's catalog.
absl::StatusOr<std::vector<std::string>> BenchProducts(
    const BenchConfig& config, v1::ModelService::Stub* admin) {
  if (!config.products.empty()) return config.products;
  absl::StatusOr<std::vector<std::string>> products =
      CatalogProducts(admin, config.model, config.token);
  if (!products.ok()) {
    return absl::Status(products.status().code(),
                        absl::StrCat("the model's catalog (GetCatalog; or pass "
                                     "--products=P01,P02,...): ",
                                     products.status().message()));
  }
  return products;
}

// Runs --method=feedback, transactions or foldin and prints its report.
// Returns the exit code.
int RunMethod(const BenchConfig& config, const ChannelPool& pool,
              v1::ModelService::Stub* admin) {
  BenchHeader header;
  header.channels = pool.size();
  absl::StatusOr<ModelView> model =
      GetModelView(admin, config.model, config.token);
  if (model.ok()) {
    header.model_name = model->model_name;
    header.model_version = model->serving_version;
  } else if (config.method != BenchMethod::kTransactions) {
    // Decisions need a serving version; ingesting transactions does not.
    std::fprintf(stderr, "nboctl bench: model status: %s\n",
                 model.status().ToString().c_str());
    return 1;
  }
  switch (config.method) {
    case BenchMethod::kFeedback: {
      const int64_t customers =
          config.customers > 0 ? config.customers : model->customer_count;
      if (customers <= 0) {
        std::fprintf(stderr,
                     "nboctl bench: %s v%lld has no customers; pass "
                     "--customers\n",
                     model->model_name.c_str(),
                     static_cast<long long>(model->serving_version));
        return 1;
      }
      absl::StatusOr<FeedbackBenchResult> result =
          RunFeedbackBench(config, pool, customers);
      if (!result.ok()) return ReportError("bench feedback", result.status());
      ReportFeedback(config, header, *result);
      return 0;
    }
    case BenchMethod::kTransactions: {
      absl::StatusOr<std::vector<std::string>> products =
          BenchProducts(config, admin);
      if (!products.ok()) {
        return ReportError("bench transactions", products.status());
      }
      absl::StatusOr<TransactionsBenchResult> result =
          RunTransactionsBench(config, pool, *products);
      if (!result.ok()) {
        return ReportError("bench transactions", result.status());
      }
      ReportTransactions(config, header, *result);
      return 0;
    }
    case BenchMethod::kFoldIn: {
      absl::StatusOr<std::vector<std::string>> products =
          BenchProducts(config, admin);
      if (!products.ok()) return ReportError("bench foldin", products.status());
      absl::StatusOr<FoldInBenchResult> result =
          RunFoldInBench(config, pool, *products, model->customer_count);
      if (!result.ok()) return ReportError("bench foldin", result.status());
      ReportFoldIn(config, header, *result);
      return 0;
    }
    case BenchMethod::kRecommend:
      break;
  }
  return 2;
}

// The Recommend workload of a phase over `report`'s customers.
std::unique_ptr<RecommendWorkload> MakeRecommendWorkload(
    const BenchConfig& config, const ChannelPool& pool,
    const BenchReport& report, uint64_t phase_seed, const char* what) {
  return std::make_unique<RecommendWorkload>(
      &pool, config.concurrency, report.customers, phase_seed, config.model,
      config.num_offers, config.token, what);
}

// Phase 1: Recommend for warmup_s, not measured.
void RunWarmup(const BenchConfig& config, const ChannelPool& pool,
               const BenchReport& report) {
  if (config.warmup_s <= 0) return;
  std::fprintf(stderr, "nboctl bench: warm-up %.1f s at concurrency %d\n",
               config.warmup_s, config.concurrency);
  const auto warmup = MakeRecommendWorkload(config, pool, report, 1,
                                            "bench: Recommend (warm-up)");
  ClosedLoop loop(config.concurrency,
                  [&warmup](int worker) { return warmup->Call(worker); });
  const LoadResult ignored = loop.RunFor(config.warmup_s);
  // Not measured; only a warm-up that never succeeded is worth a word.
  if (ignored.requests > 0 && ignored.failed == ignored.requests) {
    std::fprintf(stderr, "nboctl bench: warning: every warm-up call failed\n");
  }
}

// Phases 2 and 3: the baselines (Health/Check, the transport floor;
// ScoreCustomer, bare scoring) and Recommend, each for `duration` in total,
// interleaved in `rounds` alternating slices so that drift in the machine's
// speed (other tenants, frequency scaling) falls on all alike and the
// ratios compare like with like.
void RunSteadyPhases(const BenchConfig& config, const ChannelPool& pool,
                     BenchReport* report) {
  std::fprintf(stderr,
               "nboctl bench: %s%sRecommend, %.1f s each in %d alternating "
               "rounds, over %lld customers\n",
               config.compare_health ? "Health/Check, " : "",
               config.compare_score ? "ScoreCustomer, " : "", config.duration_s,
               config.rounds, static_cast<long long>(report->customers));
  FirstError errors("bench: Health/Check");
  const std::string& token = config.token;
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
  const auto workload =
      MakeRecommendWorkload(config, pool, *report, 3, "bench: Recommend");
  // The same phase seed as the Recommend workload: the same customers in
  // the same order.
  std::unique_ptr<ScoreWorkload> score;
  if (config.compare_score) {
    score = std::make_unique<ScoreWorkload>(
        &pool, config.concurrency, report->customers, /*phase_seed=*/3,
        config.model, config.num_offers, config.token, "bench: ScoreCustomer");
  }
  const double slice = config.duration_s / config.rounds;
  // Runs one slice and charges it the CPU both processes spent. The server
  // is sampled outside the measured window.
  const auto measured = [&](ClosedLoop& loop,
                            const std::function<void()>& during) {
    std::optional<double> server_before;
    if (!config.metrics.empty()) {
      server_before = ReadServerMetric(config.metrics, kCpuMetric);
    }
    const double client_before = ClientCpuSeconds();
    LoadResult result = loop.RunFor(slice, during);
    result.client_cpu_seconds = ClientCpuSeconds() - client_before;
    if (server_before) {
      std::optional<double> server_after =
          ReadServerMetric(config.metrics, kCpuMetric);
      if (server_after) {
        result.server_cpu_seconds = *server_after - *server_before;
      }
    }
    return result;
  };
  for (int round = 0; round < config.rounds; ++round) {
    if (config.compare_health) {
      ClosedLoop health(config.concurrency, health_call);
      report->health.Add(measured(health, nullptr));
    }
    if (score) {
      ClosedLoop scoring(config.concurrency,
                         [&score](int worker) { return score->Call(worker); });
      report->score.Add(measured(scoring, nullptr));
    }
    ClosedLoop recommend(config.concurrency, [&workload](int worker) {
      return workload->Call(worker);
    });
    const bool last = round == config.rounds - 1;
    report->recommend.Add(measured(recommend, [&] {
      if (last && !config.metrics.empty()) {
        report->rss_under_load = ReadServerRss(config.metrics);
      }
    }));
  }
  report->tally = workload->Total();
  if (score) report->score_tally = score->Total();
  WarnIfPopularity("Recommend", report->tally);
  if (config.compare_score) {
    WarnIfPopularity("ScoreCustomer", report->score_tally);
  }
}

// Phase 4: hot swaps under load, when asked for.
void RunSwapPhase(const BenchConfig& config, const ChannelPool& pool,
                  nbo::v1::ModelService::Stub* admin, BenchReport* report) {
  if (config.swaps <= 0) return;
  absl::StatusOr<SwapPhase> swaps =
      RunSwaps(config, pool, admin, report->customers);
  if (swaps.ok()) {
    report->swaps = std::move(*swaps);
    WarnIfPopularity("Recommend-during-swaps", report->swaps->tally);
    if (report->swaps->version_mismatches > 0) {
      std::fprintf(stderr,
                   "nboctl bench: warning: %lld answers came from a version "
                   "that was never AVAILABLE\n",
                   static_cast<long long>(report->swaps->version_mismatches));
    }
  } else {
    // The steady phases are still worth reporting; the swap keys are
    // omitted.
    std::fprintf(stderr, "nboctl bench: swaps skipped: %s\n",
                 swaps.status().ToString().c_str());
  }
  if (!config.metrics.empty()) {
    report->rss_after_swaps = ReadServerRss(config.metrics);
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

  absl::StatusOr<ChannelPool> created = ChannelPool::Create(
      config->server, config->concurrency, ServerOptions(config->server, ""));
  if (!created.ok()) {
    std::fprintf(stderr, "nboctl bench: %s\n",
                 std::string(created.status().message()).c_str());
    return 1;
  }
  const ChannelPool& pool = *created;
  report.channels = pool.size();
  if (!pool.WaitForConnected(kConnectTimeout).ok()) {
    std::fprintf(stderr, "nboctl bench: cannot connect to %s\n",
                 config->server.c_str());
    return 1;
  }
  // The admin calls' own connection, off the load's; calls carry the token.
  const std::unique_ptr<nbo::v1::ModelService::Stub> admin =
      nbo::v1::ModelService::NewStub(pool.admin_channel());
  if (config->method != BenchMethod::kRecommend) {
    return RunMethod(*config, pool, admin.get());
  }
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

  RunWarmup(*config, pool, report);
  RunSteadyPhases(*config, pool, &report);
  RunSwapPhase(*config, pool, admin.get(), &report);

  if (config->json) {
    std::printf("%s\n", ToJson(report).c_str());
  } else {
    PrintTable(report);
  }
  return 0;
}

}  // namespace nbo::nboctl
