// Copyright (c) 2026 The nbo Authors. MIT License.
//
// PublishFactors: Spark-format factors -> ModelService.PublishModel.
//
// Two threads share the work. A parser thread reads userFactors/ and builds
// FactorChunk requests into a bounded queue; the calling thread serializes
// and sends them. Parsing runs at several hundred MB/s, so with the queue
// between them the stream is limited by the slower of parsing and sending,
// not by their sum, and memory stays at a few chunks whatever the input size.

#include "tools/nboctl/publisher.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "lib/common/status_macros.h"
#include "lib/data/factor_row.h"
#include "lib/data/id_map.h"
#include "lib/data/products_csv.h"
#include "lib/data/spark_factor_reader.h"
#include "nbo/v1/model_service.grpc.pb.h"
#include "services/common/client_channel.h"
#include "services/common/model_stream_client.h"
#include "tools/nboctl/client.h"

namespace nbo::nboctl {
namespace {

// Largest rank the server accepts (PublishHeader.rank).
constexpr int kMaxRank = 1024;
// Chunks parsed ahead of the sender. Enough to ride out a slow write or a
// slow part file; at the default chunk size about 10 MiB.
constexpr size_t kQueueChunks = 8;
// Shortest interval between two progress lines.
constexpr absl::Duration kProgressInterval = absl::Milliseconds(500);

constexpr double kMiB = 1024.0 * 1024.0;

// One customer chunk, ready to send.
struct Chunk {
  std::unique_ptr<v1::PublishModelRequest> request;
  int64_t rows = 0;
  // Input bytes parsed once this chunk was complete, for progress.
  uint64_t input_bytes = 0;
};

// A bounded single-producer, single-consumer queue of chunks. The producer
// ends it with Finish(status); the consumer may give up with Cancel(), which
// unblocks a producer waiting for room. Thread-safe.
class ChunkQueue {
 public:
  explicit ChunkQueue(size_t capacity) : capacity_(capacity) {}

  // Blocks while the queue is full. Returns false, dropping `chunk`, once
  // the consumer has cancelled.
  bool Push(Chunk chunk) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(this, &ChunkQueue::HasRoomOrCancelled));
    if (cancelled_) return false;
    chunks_.push_back(std::move(chunk));
    return true;
  }

  // Marks the end of the input: OK, or the error that stopped it.
  void Finish(absl::Status status) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    finished_ = true;
    status_ = std::move(status);
  }

  // Blocks until a chunk is available or the producer has finished. Returns
  // true with `*chunk` set, or false at the end; then `*status` is the
  // producer's final status.
  bool Pop(Chunk* chunk, absl::Status* status) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(this, &ChunkQueue::HasChunkOrFinished));
    if (!chunks_.empty()) {
      *chunk = std::move(chunks_.front());
      chunks_.pop_front();
      return true;
    }
    *status = status_;
    return false;
  }

  void Cancel() ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
    chunks_.clear();
  }

 private:
  bool HasRoomOrCancelled() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return cancelled_ || chunks_.size() < capacity_;
  }
  bool HasChunkOrFinished() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !chunks_.empty() || finished_;
  }

  const size_t capacity_;
  absl::Mutex mu_;
  std::deque<Chunk> chunks_ ABSL_GUARDED_BY(mu_);
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status status_ ABSL_GUARDED_BY(mu_);
};

// Reads every customer row from `reader` into chunks of `chunk_rows` rows.
// Runs on the parser thread; owns `reader` while it runs.
void ParseCustomers(data::SparkFactorReader* reader, int chunk_rows,
                    ChunkQueue* queue) {
  data::FactorRow row;
  for (;;) {
    Chunk chunk;
    chunk.request = std::make_unique<v1::PublishModelRequest>();
    auto* rows = chunk.request->mutable_customer_factors()->mutable_rows();
    rows->Reserve(chunk_rows);
    bool at_end = false;
    while (chunk.rows < chunk_rows) {
      absl::StatusOr<bool> more = reader->Next(&row);
      if (!more.ok()) {
        queue->Finish(more.status());
        return;
      }
      if (!*more) {
        at_end = true;
        break;
      }
      v1::FactorRow* out = rows->Add();
      out->set_id(row.id);
      out->mutable_values()->Add(row.features.begin(), row.features.end());
      ++chunk.rows;
    }
    if (chunk.rows > 0) {
      chunk.input_bytes = reader->bytes_read();
      if (!queue->Push(std::move(chunk))) return;  // The sender gave up.
    }
    if (at_end) {
      queue->Finish(absl::OkStatus());
      return;
    }
  }
}

// Throttled progress on stderr: rewritten in place on a terminal, one line
// per report otherwise.
class Progress {
 public:
  Progress(bool enabled, absl::Time start)
      : enabled_(enabled), tty_(isatty(STDERR_FILENO) == 1), start_(start) {}

  void Report(int64_t rows, uint64_t bytes_sent, double input_fraction,
              bool force) {
    if (!enabled_) return;
    const absl::Time now = absl::Now();
    if (!force && now - last_ < kProgressInterval) return;
    last_ = now;
    const double seconds = absl::ToDoubleSeconds(now - start_);
    const double mib = bytes_sent / kMiB;
    std::fprintf(stderr,
                 "%spublish: %lld customer rows, %.1f MiB sent, %.1f MiB/s, "
                 "%.0f%% of input read%s",
                 tty_ ? "\r" : "", static_cast<long long>(rows), mib,
                 seconds > 0 ? mib / seconds : 0.0, 100.0 * input_fraction,
                 tty_ ? "\033[K" : "\n");
    std::fflush(stderr);
    dirty_ = tty_;
  }

  void Note(const std::string& text) {
    if (!enabled_) return;
    if (dirty_) std::fputc('\n', stderr);
    dirty_ = false;
    std::fprintf(stderr, "publish: %s\n", text.c_str());
  }

  void Done() {
    if (dirty_) std::fputc('\n', stderr);
    dirty_ = false;
  }

 private:
  const bool enabled_;
  const bool tty_;
  const absl::Time start_;
  absl::Time last_ = start_;
  bool dirty_ = false;  // A \r line is on screen without its newline.
};

// Reads the whole of itemFactors/ (one row per product: small), checks it
// against the catalog and returns it in file order.
absl::StatusOr<std::vector<data::FactorRow>> ReadItems(
    const std::string& dir, const std::vector<data::Product>& catalog,
    const std::string& products_file) {
  NBO_ASSIGN_OR_RETURN(std::unique_ptr<data::SparkFactorReader> reader,
                       data::SparkFactorReader::Open(dir));
  absl::flat_hash_map<std::string, std::string> seen;  // id -> where.
  std::vector<data::FactorRow> items;
  data::FactorRow row;
  for (;;) {
    NBO_ASSIGN_OR_RETURN(bool more, reader->Next(&row));
    if (!more) break;
    auto [it, inserted] = seen.emplace(row.id, reader->Where());
    if (!inserted) {
      return absl::InvalidArgumentError(
          absl::StrCat(reader->Where(), ": duplicate product id '", row.id,
                       "' (first at ", it->second, ")"));
    }
    items.push_back(row);
  }
  if (items.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(dir, ": no item rows"));
  }
  absl::flat_hash_set<std::string> in_catalog;
  for (const data::Product& product : catalog) {
    in_catalog.insert(product.product_id);
  }
  for (const data::FactorRow& item : items) {
    if (!in_catalog.contains(item.id)) {
      return absl::InvalidArgumentError(
          absl::StrCat(seen[item.id], ": product '", item.id, "' is not in ",
                       products_file));
    }
  }
  for (const data::Product& product : catalog) {
    if (!seen.contains(product.product_id)) {
      return absl::InvalidArgumentError(
          absl::StrCat(products_file, " lists product '", product.product_id,
                       "' but ", dir, " has no factors for it"));
    }
  }
  return items;
}

}  // namespace

absl::StatusOr<PublishResult> PublishFactors(const PublishOptions& options) {
  if (options.server.empty()) {
    return absl::InvalidArgumentError("no server address");
  }
  if (options.factors_dir.empty()) {
    return absl::InvalidArgumentError("no factors directory");
  }
  if (options.version <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("version must be positive, got ", options.version));
  }
  if (options.chunk_rows < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "chunk_rows must be at least 1, got ", options.chunk_rows));
  }
  const absl::Time start = absl::Now();
  Progress progress(options.progress, start);
  {
    std::error_code ec;
    if (!std::filesystem::is_directory(options.factors_dir, ec)) {
      return absl::NotFoundError(absl::StrCat(
          options.factors_dir,
          ": no such directory (expected userFactors/ and itemFactors/ "
          "in it)"));
    }
  }

  // Local input first: a bad file fails before anything reaches the server.
  const std::string products_file = options.products_file.empty()
                                        ? options.factors_dir + "/products.csv"
                                        : options.products_file;
  NBO_ASSIGN_OR_RETURN(std::vector<data::Product> catalog,
                       data::ReadProductsCsv(products_file));
  std::optional<data::IdMap> id_map;
  if (!options.id_map_file.empty()) {
    NBO_ASSIGN_OR_RETURN(id_map, data::IdMap::ReadCsv(options.id_map_file));
  }
  const std::string items_dir = options.factors_dir + "/itemFactors";
  NBO_ASSIGN_OR_RETURN(std::vector<data::FactorRow> items,
                       ReadItems(items_dir, catalog, products_file));
  const int rank = static_cast<int>(items.front().features.size());
  if (rank > kMaxRank) {
    return absl::InvalidArgumentError(absl::StrCat(
        items_dir, ": rank ", rank, " is above the maximum of ", kMaxRank));
  }
  data::SparkFactorReader::Options reader_options;
  reader_options.expected_rank = rank;
  reader_options.expected_rank_origin = "the rank of " + items_dir;
  if (id_map.has_value()) reader_options.id_map = &*id_map;
  NBO_ASSIGN_OR_RETURN(
      std::unique_ptr<data::SparkFactorReader> customers,
      data::SparkFactorReader::Open(options.factors_dir + "/userFactors",
                                    reader_options));
  const uint64_t input_bytes = std::max<uint64_t>(customers->total_bytes(), 1);

  ChunkQueue queue(kQueueChunks);
  std::thread parser(ParseCustomers, customers.get(), options.chunk_rows,
                     &queue);
  // However the stream ends, the parser thread must be stopped and joined
  // before `customers` and `queue` go away.
  struct JoinOnExit {
    ChunkQueue* queue;
    std::thread* thread;
    ~JoinOnExit() {
      queue->Cancel();
      thread->join();
    }
  } join_on_exit{&queue, &parser};

  NBO_ASSIGN_OR_RETURN(
      std::shared_ptr<grpc::Channel> channel,
      services::MakeChannel(ServerOptions(options.server, options.token)));
  std::unique_ptr<v1::ModelService::Stub> stub =
      v1::ModelService::NewStub(channel);
  services::StreamCallOptions call_options;
  // As long as the input takes: the operator can interrupt it.
  call_options.timeout = absl::InfiniteDuration();
  NBO_ASSIGN_OR_RETURN(std::unique_ptr<services::PublishStream> stream,
                       services::PublishStream::Start(*stub, call_options));
  // Sends `request`; on failure (the server ended the stream, and the status
  // says why) stops the parser and the progress line first.
  auto send = [&](const v1::PublishModelRequest& request) -> absl::Status {
    absl::Status sent = stream->Write(request);
    if (!sent.ok()) {
      queue.Cancel();
      progress.Done();
    }
    return sent;
  };

  {
    v1::PublishModelRequest request;
    v1::PublishHeader* header = request.mutable_header();
    header->set_model_name(options.model);
    header->set_version(options.version);
    header->set_rank(rank);
    for (const data::Product& product : catalog) {
      v1::Product* out = header->add_catalog();
      out->set_product_id(product.product_id);
      out->set_name(product.name);
      out->set_category(product.category);
    }
    // Only the directory's own name: where the operator keeps files is none
    // of the server's clients' business (ListModels shows the description).
    std::filesystem::path dir =
        std::filesystem::path(options.factors_dir).lexically_normal();
    if (!dir.has_filename()) dir = dir.parent_path();
    header->mutable_metadata()->set_description(absl::StrCat(
        "imported from Spark factors in ", dir.filename().string()));
    NBO_RETURN_IF_ERROR(send(request));
  }
  for (size_t begin = 0; begin < items.size(); begin += options.chunk_rows) {
    v1::PublishModelRequest request;
    auto* rows = request.mutable_item_factors()->mutable_rows();
    const size_t end =
        std::min(items.size(), begin + static_cast<size_t>(options.chunk_rows));
    for (size_t i = begin; i < end; ++i) {
      v1::FactorRow* out = rows->Add();
      out->set_id(items[i].id);
      out->mutable_values()->Add(items[i].features.begin(),
                                 items[i].features.end());
    }
    NBO_RETURN_IF_ERROR(send(request));
  }

  int64_t customer_rows = 0;
  Chunk chunk;
  absl::Status parsed;
  while (queue.Pop(&chunk, &parsed)) {
    NBO_RETURN_IF_ERROR(send(*chunk.request));
    customer_rows += chunk.rows;
    progress.Report(customer_rows, stream->bytes_sent(),
                    static_cast<double>(chunk.input_bytes) / input_bytes,
                    /*force=*/false);
  }
  if (!parsed.ok()) {
    // A local input error: abandon the stream so that the server discards
    // what it has; the cancellation status itself tells nothing new.
    progress.Done();
    stream->Cancel();
    return parsed;
  }
  progress.Report(customer_rows, stream->bytes_sent(), 1.0, /*force=*/true);

  {
    v1::PublishModelRequest request;
    request.mutable_commit()->set_expected_product_count(
        static_cast<int64_t>(items.size()));
    request.mutable_commit()->set_expected_customer_count(customer_rows);
    NBO_RETURN_IF_ERROR(send(request));
  }
  progress.Note(absl::StrFormat(
      "committed %d products and %d customers; waiting for nbo-server to "
      "load version %d",
      items.size(), customer_rows, options.version));
  PublishResult result;
  NBO_ASSIGN_OR_RETURN(result.response, stream->Finish());
  result.bytes_sent = stream->bytes_sent();
  result.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  return result;
}

}  // namespace nbo::nboctl
