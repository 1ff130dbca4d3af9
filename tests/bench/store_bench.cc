// Copyright (c) 2026 The nbo Authors. MIT License.
//
// store_bench: how fast ModelStore publishes and serves customer factors.
//
//   store_bench [directory]
//
// Publishes 1,000,000 customers x 64 float factors through a VersionWriter in
// batches of 4096, commits, then performs 1,000,000 GetCustomerFactor calls
// on random customers, printing rows/s, lookups/s and the process RSS. The
// database goes into a fresh directory under `directory` (default: the
// system temp dir), removed afterwards. Options are the store's defaults, as in
// the server. Not a test: nothing is asserted about time.

#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <system_error>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "lib/store/model_store.h"

namespace {

constexpr int kCustomers = 1000000;
constexpr int kRank = 64;
constexpr int kBatch = 4096;
constexpr int kLookups = 1000000;
constexpr char kModel[] = "bench";
constexpr int64_t kVersion = 1;

// Fixed-width ids, so that they sort like their numbers.
std::string CustomerId(int row) {
  std::string id = "cust-0000000";
  for (int i = static_cast<int>(id.size()) - 1; row > 0; --i, row /= 10) {
    id[i] = static_cast<char>('0' + row % 10);
  }
  return id;
}

// "VmRSS" or "VmHWM" from /proc/self/status, in MiB.
double ProcStatusMiB(absl::string_view field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (absl::string_view(line).substr(0, field.size()) == field &&
        line.size() > field.size() && line[field.size()] == ':') {
      return std::strtod(line.c_str() + field.size() + 1, nullptr) / 1024.0;
    }
  }
  return -1;
}

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

int Fail(absl::string_view what, const absl::Status& status) {
  std::fprintf(stderr, "store_bench: %s: %s\n", std::string(what).c_str(),
               status.ToString().c_str());
  return 1;
}

int Run(const std::string& path) {
  nbo::store::ModelStore::Options options;
  options.path = path;
  auto store_or = nbo::store::ModelStore::Open(options);
  if (!store_or.ok()) return Fail("open", store_or.status());
  std::unique_ptr<nbo::store::ModelStore> store = std::move(store_or).value();

  std::printf("store_bench: %d customers x %d floats, batches of %d, in %s\n",
              kCustomers, kRank, kBatch, path.c_str());
  std::printf("  RSS after open:    %8.1f MiB\n", ProcStatusMiB("VmRSS"));

  // Publish.
  std::vector<std::string> ids(kBatch);
  std::vector<float> values(static_cast<size_t>(kBatch) * kRank);
  // Time inside PutCustomerFactors only, without making up the rows.
  double put_seconds = 0;
  const auto publish_start = std::chrono::steady_clock::now();
  auto writer_or = store->BeginVersion(kModel, kVersion, kRank);
  if (!writer_or.ok()) return Fail("begin", writer_or.status());
  std::unique_ptr<nbo::store::VersionWriter> writer =
      std::move(writer_or).value();
  for (int start = 0; start < kCustomers; start += kBatch) {
    const int n = std::min(kBatch, kCustomers - start);
    for (int i = 0; i < n; ++i) {
      ids[i] = CustomerId(start + i);
      for (int j = 0; j < kRank; ++j) {
        values[static_cast<size_t>(i) * kRank + j] =
            static_cast<float>((start + i) % 1000) * 0.001f + j;
      }
    }
    const auto put_start = std::chrono::steady_clock::now();
    absl::Status status = writer->PutCustomerFactors(
        absl::MakeConstSpan(ids).first(n),
        absl::MakeConstSpan(values).first(static_cast<size_t>(n) * kRank));
    put_seconds += Seconds(put_start);
    if (!status.ok()) return Fail("put customer factors", status);
  }
  const double write_seconds = Seconds(publish_start);
  const auto commit_start = std::chrono::steady_clock::now();
  nbo::store::VersionRecord record;
  record.model_name = kModel;
  record.version = kVersion;
  record.rank = kRank;
  record.customer_count = kCustomers;
  absl::Status status = writer->Commit(record);
  if (!status.ok()) return Fail("commit", status);
  const double commit_seconds = Seconds(commit_start);
  const double publish_seconds = Seconds(publish_start);
  const uint64_t bytes_written = writer->bytes_written();
  writer.reset();

  std::printf(
      "  writes:            %8.2f s  %10.0f rows/s  (in the store: "
      "%.2f s, %.0f rows/s)\n",
      write_seconds, kCustomers / write_seconds, put_seconds,
      kCustomers / put_seconds);
  std::printf("  commit (flush):    %8.2f s\n", commit_seconds);
  std::printf("  publish total:     %8.2f s  %10.0f rows/s  %.0f MiB/s\n",
              publish_seconds, kCustomers / publish_seconds,
              bytes_written / publish_seconds / (1 << 20));
  std::printf("  version on disk:   %8.1f MiB\n",
              store->ApproximateVersionBytes(kModel, kVersion) /
                  static_cast<double>(1 << 20));
  std::printf("  RSS after publish: %8.1f MiB\n", ProcStatusMiB("VmRSS"));

  // Random point lookups, as the request path does them.
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<int> pick(0, kCustomers - 1);
  std::vector<float> out(kRank);
  double checksum = 0;
  const auto lookup_start = std::chrono::steady_clock::now();
  for (int i = 0; i < kLookups; ++i) {
    const std::string id = CustomerId(pick(rng));
    status =
        store->GetCustomerFactor(kModel, kVersion, id, absl::MakeSpan(out));
    if (!status.ok()) return Fail(absl::StrCat("lookup ", id), status);
    checksum += out[0];
  }
  const double lookup_seconds = Seconds(lookup_start);
  std::printf(
      "  lookups:           %8.2f s  %10.0f lookups/s  (%.2f us each,"
      " checksum %.0f)\n",
      lookup_seconds, kLookups / lookup_seconds,
      lookup_seconds / kLookups * 1e6, checksum);
  std::printf("  RSS after lookups: %8.1f MiB  (peak %.1f MiB)\n",
              ProcStatusMiB("VmRSS"), ProcStatusMiB("VmHWM"));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string base =
      argc > 1 ? argv[1] : std::filesystem::temp_directory_path().string();
  std::string templ = base + "/store_bench_XXXXXX";
  if (::mkdtemp(templ.data()) == nullptr) {
    std::perror("store_bench: mkdtemp");
    return 1;
  }
  int rc = Run(templ + "/db");
  std::error_code ignored;  // Best effort: a leftover directory is harmless.
  std::filesystem::remove_all(templ, ignored);
  return rc;
}
