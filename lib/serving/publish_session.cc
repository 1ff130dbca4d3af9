// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/serving/publish_session.h"

#include <cmath>
#include <utility>

#include "absl/hash/hash.h"
#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "lib/common/api_limits.h"
#include "lib/common/quote.h"
#include "lib/common/status_macros.h"
#include "lib/serving/catalog_registry.h"
#include "lib/serving/model_kind.h"
#include "lib/serving/model_metadata.h"
#include "lib/serving/names.h"
#include "lib/serving/propensity_proto.h"

namespace nbo::serving {
namespace {

using ::nbo::common::QuoteForError;

// Most customer rows a header may declare.
constexpr int64_t kMaxDeclaredCustomers = 10'000'000'000;

// Bytes per stored factor row besides its key and value: RocksDB's internal
// key trailer, the block entry's lengths and restart points, bloom filter
// bits, with room to spare.
constexpr double kRowOverheadBytes = 32;
// Customer ids are not known before they arrive; banks' are about this long.
constexpr double kAssumedCustomerIdBytes = 16;

// Bytes a version takes on disk once flushed (see the key layout in
// lib/store/model_store.cc: model '\0' be64(version) then the catalog index
// or the customer id). In double: a declared count near the bound must not
// overflow.
double EstimateVersionBytes(size_t model_name_bytes, int32_t rank,
                            int64_t products, int64_t customers) {
  const double prefix = static_cast<double>(model_name_bytes) + 9;
  const double value = static_cast<double>(rank) * sizeof(float);
  return static_cast<double>(products) *
             (prefix + 4 + value + kRowOverheadBytes) +
         static_cast<double>(customers) *
             (prefix + kAssumedCustomerIdBytes + value + kRowOverheadBytes);
}

// Whole MiB, rounded up (a need) or down (what is free).
int64_t MiBUp(double bytes) {
  return static_cast<int64_t>(std::ceil(bytes / (1 << 20)));
}
int64_t MiBDown(uint64_t bytes) { return static_cast<int64_t>(bytes >> 20); }

// Checks one factor row's length and values. `what` names the row in errors
// (product ids are not personal data; customer rows are named by position).
absl::Status CheckFactor(const nbo::v1::FactorRow& row, int32_t rank,
                         const std::string& what) {
  if (row.values_size() != rank) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, " has ", row.values_size(), " values; rank is ", rank));
  }
  for (float v : row.values()) {
    if (!std::isfinite(v)) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, " has a NaN or infinite value"));
    }
    if (std::abs(v) > common::kMaxFactorMagnitude) {
      return absl::InvalidArgumentError(absl::StrCat(
          what, " has the value ", v,
          "; the limit is |value| <= ", common::kMaxFactorMagnitude));
    }
  }
  return absl::OkStatus();
}

}  // namespace

PublishSession::PublishSession(ModelManager* manager, store::ModelStore* store,
                               PublishLimits limits,
                               std::function<absl::Time()> now)
    : manager_(manager),
      store_(store),
      limits_(limits),
      now_(std::move(now)),
      fingerprint_key_(absl::Uniform<uint64_t>(absl::BitGen())) {}

PublishSession::~PublishSession() {
  // The writer's destructor deletes uncommitted data.
}

absl::Status PublishSession::Fail(absl::Status status) {
  phase_ = Phase::kDone;
  if (writer_ != nullptr) {
    absl::Status aborted = writer_->Abort();
    if (!aborted.ok()) {
      // The version number is free all the same: the store retries the
      // removal when the version is begun again (and at the next start).
      std::fprintf(stderr, "nbo: could not abort publish of version %lld: %s\n",
                   static_cast<long long>(version_),
                   aborted.ToString().c_str());
    }
    writer_.reset();
  }
  return status;
}

uint64_t PublishSession::CustomerFingerprint(absl::string_view id) const {
  return absl::Hash<std::pair<uint64_t, absl::string_view>>()(
      {fingerprint_key_, id});
}

absl::Status PublishSession::Add(const nbo::v1::PublishModelRequest& message) {
  const size_t size = message.ByteSizeLong();
  bytes_received_ += size;
  switch (phase_) {
    case Phase::kDone:
      return absl::FailedPreconditionError("publish already finished");
    case Phase::kCommitReceived:
      return Fail(
          absl::FailedPreconditionError("no message may follow the commit"));
    default:
      break;
  }
  switch (message.part_case()) {
    case nbo::v1::PublishModelRequest::kHeader:
      if (phase_ != Phase::kHeader) {
        return Fail(
            absl::FailedPreconditionError("the stream has a second header"));
      }
      return AddHeader(message.header());
    case nbo::v1::PublishModelRequest::kItemFactors:
    case nbo::v1::PublishModelRequest::kCustomerFactors:
      if (phase_ == Phase::kHeader) {
        return Fail(absl::FailedPreconditionError(
            "the stream must start with a header"));
      }
      if (size > limits_.max_chunk_bytes) {
        return Fail(absl::InvalidArgumentError(
            absl::StrCat("factor chunk is ", size, " bytes; the limit is ",
                         limits_.max_chunk_bytes)));
      }
      if (message.has_item_factors()) return AddItems(message.item_factors());
      return AddCustomers(message.customer_factors());
    case nbo::v1::PublishModelRequest::kCommit:
      if (phase_ == Phase::kHeader) {
        return Fail(absl::FailedPreconditionError(
            "the stream must start with a header"));
      }
      commit_ = message.commit();
      phase_ = Phase::kCommitReceived;
      return absl::OkStatus();
    case nbo::v1::PublishModelRequest::PART_NOT_SET:
      break;
  }
  return Fail(absl::InvalidArgumentError("empty PublishModelRequest"));
}

absl::Status PublishSession::AddHeader(const nbo::v1::PublishHeader& header) {
  model_name_ = manager_->ResolveName(header.model_name());
  version_ = header.version();
  rank_ = header.rank();
  if (absl::Status s = ValidateModelName(model_name_); !s.ok()) {
    return Fail(s);
  }
  if (version_ <= 0 || version_ > common::kMaxVersion) {
    return Fail(absl::InvalidArgumentError(absl::StrCat(
        "header.version must be in [1, 2^53 = ", common::kMaxVersion, "], got ",
        version_)));
  }
  absl::StatusOr<model::ModelKind> kind =
      ModelKindFromProto(header.model_kind());
  if (!kind.ok()) return Fail(kind.status());
  const int products = header.catalog_size();
  if (absl::Status s = CheckRank(*kind, rank_, products, limits_.max_rank);
      !s.ok()) {
    return Fail(s);
  }
  if (products == 0 || products > limits_.max_products) {
    return Fail(absl::InvalidArgumentError(
        absl::StrCat("header.catalog must list 1..", limits_.max_products,
                     " products, got ", products)));
  }
  if (absl::Status s = ValidateCatalog(header.catalog()); !s.ok()) {
    return Fail(s);
  }
  record_.catalog.reserve(products);
  for (int i = 0; i < products; ++i) {
    const nbo::v1::Product& p = header.catalog(i);
    product_index_.emplace(p.product_id(), i);
    record_.catalog.push_back({p.product_id(), p.name(), p.category()});
  }
  record_.popularity.assign(products, 0.0);
  for (const auto& [id, score] : header.popularity()) {
    auto it = product_index_.find(id);
    if (it == product_index_.end()) {
      return Fail(absl::InvalidArgumentError(absl::StrCat(
          "popularity names unknown product ", QuoteForError(id))));
    }
    if (!std::isfinite(score) ||
        std::abs(score) > common::kMaxPopularityMagnitude) {
      return Fail(absl::InvalidArgumentError(
          absl::StrCat("popularity of product ", QuoteForError(id), " is ",
                       score, "; it must be finite with |value| <= ",
                       common::kMaxPopularityMagnitude)));
    }
    record_.popularity[it->second] = score;
  }
  explicit_popularity_ = !header.popularity().empty();
  customers_declared_ = header.customer_count();
  if (customers_declared_ < 0 || customers_declared_ > kMaxDeclaredCustomers) {
    return Fail(absl::InvalidArgumentError(
        absl::StrCat("header.customer_count must be in [0, ",
                     kMaxDeclaredCustomers, "], got ", customers_declared_)));
  }
  const nbo::v1::ModelMetadata& meta = header.metadata();
  if (absl::Status s = ValidateModelMetadata(meta); !s.ok()) return Fail(s);
  record_.model_name = model_name_;
  record_.version = version_;
  record_.rank = rank_;
  record_.model_kind = header.model_kind();
  record_.description = meta.description();
  record_.labels.insert(meta.labels().begin(), meta.labels().end());
  record_.metrics.insert(meta.metrics().begin(), meta.metrics().end());
  record_.calibration_a = meta.calibration_a();
  record_.calibration_b = meta.calibration_b();
  if (meta.has_propensity()) {
    std::vector<std::string> ids;
    ids.reserve(header.catalog_size());
    for (const nbo::v1::Product& p : header.catalog()) {
      ids.push_back(p.product_id());
    }
    if (absl::Status s = PropensityFromProto(meta.propensity(), ids).status();
        !s.ok()) {
      return Fail(s);
    }
    record_.propensity_model = meta.propensity().SerializeAsString();
  }

  if (absl::Status s = manager_->CheckNewVersion(model_name_, version_);
      !s.ok()) {
    return Fail(s);
  }
  if (absl::Status s = CheckFreeSpace(products); !s.ok()) return Fail(s);
  absl::StatusOr<std::unique_ptr<store::VersionWriter>> writer =
      store_->BeginVersion(model_name_, version_, rank_);
  if (!writer.ok()) return Fail(writer.status());
  writer_ = *std::move(writer);
  has_item_.assign(products, false);
  item_factors_.assign(static_cast<size_t>(products) * rank_, 0.0f);
  customer_sum_.assign(rank_, 0.0);
  phase_ = Phase::kItems;
  return absl::OkStatus();
}

absl::Status PublishSession::CheckFreeSpace(int64_t products) const {
  if (!limits_.free_bytes) return absl::OkStatus();
  absl::StatusOr<uint64_t> free = limits_.free_bytes();
  if (!free.ok()) return free.status();
  // Twice the size: a compaction writes the version's new files before it
  // deletes the old ones.
  const double needed =
      2 * EstimateVersionBytes(model_name_.size(), rank_, products,
                               customers_declared_) +
      static_cast<double>(limits_.free_space_reserve_bytes);
  if (static_cast<double>(*free) >= needed) return absl::OkStatus();
  return absl::ResourceExhaustedError(
      absl::StrCat("storage full: version needs about ", MiBUp(needed),
                   " MiB, ", MiBDown(*free), " MiB free"));
}

absl::Status PublishSession::AddItems(const nbo::v1::FactorChunk& chunk) {
  if (phase_ != Phase::kItems) {
    return Fail(absl::FailedPreconditionError(
        "item factors must come before customer factors"));
  }
  for (const nbo::v1::FactorRow& row : chunk.rows()) {
    auto it = product_index_.find(row.id());
    if (it == product_index_.end()) {
      return Fail(absl::InvalidArgumentError(
          absl::StrCat("item factors name product ", QuoteForError(row.id()),
                       ", which is not in the catalog")));
    }
    const int32_t index = it->second;
    if (has_item_[index]) {
      return Fail(absl::InvalidArgumentError(absl::StrCat(
          "item factors list product ", QuoteForError(row.id()), " twice")));
    }
    if (absl::Status s = CheckFactor(
            row, rank_,
            absl::StrCat("item factor of product ", QuoteForError(row.id())));
        !s.ok()) {
      return Fail(s);
    }
    if (absl::Status s = writer_->PutItemFactor(index, row.values()); !s.ok()) {
      return Fail(s);
    }
    std::copy(row.values().begin(), row.values().end(),
              item_factors_.begin() + static_cast<size_t>(index) * rank_);
    has_item_[index] = true;
    ++items_received_;
  }
  return absl::OkStatus();
}

absl::Status PublishSession::CheckItemsComplete() const {
  for (size_t i = 0; i < has_item_.size(); ++i) {
    if (!has_item_[i]) {
      return absl::FailedPreconditionError(absl::StrCat(
          "catalog product ", QuoteForError(record_.catalog[i].product_id),
          " has no item factors"));
    }
  }
  return absl::OkStatus();
}

absl::Status PublishSession::AddCustomers(const nbo::v1::FactorChunk& chunk) {
  if (phase_ == Phase::kItems) {
    if (absl::Status s = CheckItemsComplete(); !s.ok()) return Fail(s);
    phase_ = Phase::kCustomers;
  }
  if (customers_declared_ > 0 &&
      customers_received_ + chunk.rows_size() > customers_declared_) {
    return Fail(absl::InvalidArgumentError(
        absl::StrCat("the stream carries more than the ", customers_declared_,
                     " customer rows its header declared")));
  }
  id_buffer_.clear();
  value_buffer_.clear();
  value_buffer_.reserve(static_cast<size_t>(chunk.rows_size()) * rank_);
  for (int i = 0; i < chunk.rows_size(); ++i) {
    const nbo::v1::FactorRow& row = chunk.rows(i);
    const int64_t position = customers_received_ + i;
    if (absl::Status s = ValidateCustomerId(row.id()); !s.ok()) {
      return Fail(absl::InvalidArgumentError(
          absl::StrCat("customer row ", position, ": ", s.message())));
    }
    if (absl::Status s =
            CheckFactor(row, rank_, absl::StrCat("customer row ", position));
        !s.ok()) {
      return Fail(s);
    }
    if (!customer_fingerprints_.insert(CustomerFingerprint(row.id())).second) {
      // Customer ids are not echoed: the position says which row.
      return Fail(absl::InvalidArgumentError(absl::StrCat(
          "customer row ", position,
          " repeats the customer id of an earlier row; each customer may "
          "appear once")));
    }
    id_buffer_.push_back(row.id());
    value_buffer_.insert(value_buffer_.end(), row.values().begin(),
                         row.values().end());
    for (int32_t k = 0; k < rank_; ++k) customer_sum_[k] += row.values(k);
  }
  if (absl::Status s = writer_->PutCustomerFactors(id_buffer_, value_buffer_);
      !s.ok()) {
    return Fail(s);
  }
  customers_received_ += chunk.rows_size();
  return absl::OkStatus();
}

absl::StatusOr<nbo::v1::PublishModelResponse> PublishSession::Finish() {
  if (phase_ == Phase::kDone) {
    return absl::FailedPreconditionError("publish already finished");
  }
  if (phase_ != Phase::kCommitReceived) {
    return Fail(absl::FailedPreconditionError(
        "the stream ended without a commit; nothing was published"));
  }
  NBO_RETURN_IF_ERROR([&]() -> absl::Status {
    if (absl::Status s = CheckItemsComplete(); !s.ok()) return Fail(s);
    if (commit_.expected_product_count() != 0 &&
        commit_.expected_product_count() != items_received_) {
      return Fail(absl::FailedPreconditionError(
          absl::StrCat("commit expects ", commit_.expected_product_count(),
                       " item rows; the stream carried ", items_received_)));
    }
    if (customers_declared_ != 0 &&
        customers_declared_ != customers_received_) {
      return Fail(absl::FailedPreconditionError(absl::StrCat(
          "header declares ", customers_declared_,
          " customer rows; the stream carried ", customers_received_)));
    }
    if (commit_.expected_customer_count() != 0 &&
        commit_.expected_customer_count() != customers_received_) {
      return Fail(absl::FailedPreconditionError(absl::StrCat(
          "commit expects ", commit_.expected_customer_count(),
          " customer rows; the stream carried ", customers_received_)));
    }
    return absl::OkStatus();
  }());
  if (!explicit_popularity_ && customers_received_ > 0) {
    // Mean predicted score per product: the mean of u.v over customers is
    // (mean u).v, so the popularity ranking costs one pass over the stream.
    for (size_t j = 0; j < record_.catalog.size(); ++j) {
      double score = 0;
      for (int32_t k = 0; k < rank_; ++k) {
        score += customer_sum_[k] * item_factors_[j * rank_ + k];
      }
      record_.popularity[j] = score / static_cast<double>(customers_received_);
    }
  }
  record_.customer_count = customers_received_;
  record_.product_count = items_received_;
  record_.created_unix_micros = absl::ToUnixMicros(now_());
  if (absl::Status s = writer_->Commit(record_); !s.ok()) return Fail(s);
  writer_.reset();
  phase_ = Phase::kDone;
  NBO_ASSIGN_OR_RETURN(nbo::v1::VersionState state,
                       manager_->LoadVersion(model_name_, version_));
  nbo::v1::PublishModelResponse response;
  response.set_model_name(model_name_);
  response.set_version(version_);
  response.set_state(state);
  response.set_customer_count(customers_received_);
  response.set_product_count(items_received_);
  response.set_bytes_received(bytes_received_);
  return response;
}

}  // namespace nbo::serving
