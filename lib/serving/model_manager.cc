// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/serving/model_manager.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "lib/als/als.h"
#include "lib/common/api_limits.h"
#include "lib/common/quote.h"
#include "lib/common/stable_hash.h"
#include "lib/common/status_macros.h"
#include "lib/serving/model_kind.h"
#include "lib/serving/model_metadata.h"
#include "lib/serving/names.h"
#include "lib/serving/propensity_proto.h"

namespace nbo::serving {
namespace {

using ::nbo::common::kMaxSplitArms;
using ::nbo::common::QuoteForError;
using ::nbo::v1::VersionState;
// END and FAILED entries remembered per model for GetModelStatus.
constexpr int kRememberedEndedVersions = 16;

std::string ArmName(const store::SplitArm& arm) {
  return arm.label.empty() ? absl::StrCat("v", arm.version) : arm.label;
}

bool SplitNamesVersion(const store::ModelConfig& config, int64_t version) {
  for (const store::SplitArm& arm : config.split) {
    if (arm.label.empty() && arm.version == version) return true;
  }
  return false;
}

std::vector<std::string> LabelsOf(const store::ModelConfig& config,
                                  int64_t version) {
  std::vector<std::string> labels;
  for (const auto& [label, v] : config.labels) {
    if (v == version) labels.push_back(label);
  }
  return labels;
}

void Log(const std::string& line) {
  std::fprintf(stderr, "nbo: %s\n", line.c_str());
}

}  // namespace

absl::StatusOr<std::unique_ptr<ModelManager>> ModelManager::Create(
    Options options) {
  if (options.store == nullptr) {
    return absl::InvalidArgumentError("ModelManager needs a store");
  }
  if (options.keep_versions < 1) {
    return absl::InvalidArgumentError("keep_versions must be at least 1");
  }
  NBO_RETURN_IF_ERROR(ValidateModelName(options.default_model));
  return std::unique_ptr<ModelManager>(new ModelManager(std::move(options)));
}

ModelManager::ModelManager(Options options)
    : options_(std::move(options)),
      snapshot_(std::make_shared<const Snapshot>()) {}

ModelManager::~ModelManager() = default;

std::string ModelManager::ResolveName(absl::string_view name) const {
  return name.empty() ? options_.default_model : std::string(name);
}

absl::Status ModelManager::LoadFromStore() {
  absl::MutexLock admin(&admin_mu_);
  NBO_ASSIGN_OR_RETURN(std::vector<store::ModelConfig> configs,
                       options_.store->ListModelConfigs());
  NBO_ASSIGN_OR_RETURN(std::vector<store::VersionRecord> records,
                       options_.store->ListVersions());
  {
    absl::MutexLock lock(&mu_);
    for (store::ModelConfig& config : configs) {
      models_[config.model_name].config = std::move(config);
    }
  }
  // Load newest first so that, with many stored versions, the ones that will
  // be kept are the ones loaded.
  std::sort(records.begin(), records.end(),
            [](const store::VersionRecord& a, const store::VersionRecord& b) {
              if (a.model_name != b.model_name) {
                return a.model_name < b.model_name;
              }
              return a.version > b.version;
            });
  std::set<std::string> names;
  for (const store::VersionRecord& record : records) {
    names.insert(record.model_name);
    // A version that fails is FAILED in the status; the others still load.
    LoadLocked(record).IgnoreError();
  }
  for (const std::string& name : names) ApplyRetentionLocked(name);
  PublishSnapshot();
  return absl::OkStatus();
}

absl::Status ModelManager::CheckNewVersion(const std::string& model_name,
                                           int64_t version) const {
  absl::MutexLock lock(&mu_);
  auto model = models_.find(model_name);
  if (model == models_.end()) return absl::OkStatus();
  auto it = model->second.versions.find(version);
  if (it == model->second.versions.end() ||
      it->second.state == nbo::v1::VERSION_STATE_END ||
      it->second.state == nbo::v1::VERSION_STATE_FAILED) {
    return absl::OkStatus();
  }
  return absl::AlreadyExistsError(
      absl::StrCat("version ", version, " of model ", QuoteForError(model_name),
                   " already exists"));
}

absl::StatusOr<nbo::v1::VersionState> ModelManager::LoadVersion(
    const std::string& model_name, int64_t version) {
  absl::MutexLock admin(&admin_mu_);
  NBO_ASSIGN_OR_RETURN(store::VersionRecord record,
                       options_.store->GetVersion(model_name, version));
  const absl::Status loaded = LoadLocked(record);
  if (loaded.ok()) ApplyRetentionLocked(model_name);
  PublishSnapshot();
  if (!loaded.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("version ", version, " of model '", model_name,
                     "' failed to load: ", loaded.message()));
  }
  return nbo::v1::VERSION_STATE_AVAILABLE;
}

absl::StatusOr<std::shared_ptr<const model::ModelVersion>>
ModelManager::BuildServable(const store::VersionRecord& record) const {
  // First: a kind this server does not know is refused before reading
  // factors it could not use.
  NBO_ASSIGN_OR_RETURN(const model::ModelKind kind,
                       ModelKindFromProto(record.model_kind));
  NBO_ASSIGN_OR_RETURN(
      std::vector<float> items,
      options_.store->ReadItemFactors(record.model_name, record.version));
  model::ModelVersionParams params;
  params.kind = kind;
  params.model_name = record.model_name;
  params.version = record.version;
  params.rank = record.rank;
  params.catalog.reserve(record.catalog.size());
  for (const store::ProductRow& row : record.catalog) {
    params.catalog.push_back({row.product_id, row.name, row.category});
  }
  params.item_factors = std::move(items);
  params.popularity = record.popularity;
  params.calibration_a = record.calibration_a;
  params.calibration_b = record.calibration_b;
  if (!record.propensity_model.empty()) {
    nbo::v1::PropensityModel proto;
    if (!proto.ParseFromString(record.propensity_model)) {
      return absl::InternalError(absl::StrCat(
          "version ", record.version, " of model '", record.model_name,
          "' has an unreadable propensity model"));
    }
    NBO_ASSIGN_OR_RETURN(model::PropensityModel propensity,
                         PropensityFromProto(proto, params.catalog));
    params.propensity =
        std::make_shared<const model::PropensityModel>(std::move(propensity));
  }
  params.labels = record.labels;
  // ALS's fold-in solves against YtY; the trainer's own, bit for bit.
  // Factors of the wrong size are left for Create() to reject.
  if (kind == model::ModelKind::kImplicitAls && record.rank > 0 &&
      record.rank <= model::kMaxRank &&
      params.item_factors.size() == params.catalog.size() * record.rank) {
    const als::FactorMatrix gramian = als::ComputeGramian(
        Eigen::Map<const als::FactorMatrix>(params.item_factors.data(),
                                            params.catalog.size(), record.rank),
        /*threads=*/1);
    params.gramian.assign(gramian.data(), gramian.data() + gramian.size());
  }
  NBO_ASSIGN_OR_RETURN(std::shared_ptr<const model::ModelVersion> servable,
                       model::ModelVersion::Create(std::move(params)));
  // Warm-up: score a few stored customers. This touches the code and data a
  // request will, and catches customer factors that do not match the rank
  // before the version serves anyone.
  int scored = 0;
  absl::Status scan = options_.store->ScanCustomerFactors(
      record.model_name, record.version,
      [&](absl::string_view customer_id,
          absl::Span<const float> factor) -> absl::Status {
        if (factor.size() != static_cast<size_t>(record.rank)) {
          return absl::FailedPreconditionError(
              absl::StrCat("stored factor of a customer has ", factor.size(),
                           " values; the version's rank is ", record.rank));
        }
        (void)customer_id;
        (void)servable->TopN(factor, 3);  // Only the warm-up matters.
        if (++scored >= options_.warmup_customers) {
          return absl::CancelledError("warm-up done");
        }
        return absl::OkStatus();
      });
  if (!scan.ok() && !absl::IsCancelled(scan)) return scan;
  return servable;
}

absl::Status ModelManager::LoadLocked(const store::VersionRecord& record) {
  const std::string& name = record.model_name;
  {
    absl::MutexLock lock(&mu_);
    VersionEntry& entry = models_[name].versions[record.version];
    entry = VersionEntry();
    entry.record = record;
    entry.state = nbo::v1::VERSION_STATE_LOADING;
  }
  absl::StatusOr<std::shared_ptr<const model::ModelVersion>> built =
      BuildServable(record);
  if (!built.ok()) {
    Log(absl::StrCat("version ", record.version, " of model '", name,
                     "' failed to load: ", built.status().ToString()));
    {
      absl::MutexLock lock(&mu_);
      VersionEntry& entry = models_[name].versions[record.version];
      entry.state = nbo::v1::VERSION_STATE_FAILED;
      entry.error = std::string(built.status().message());
    }
    // A version that cannot serve is of no use on disk either; but one of a
    // kind this server does not know may serve again after an upgrade (a
    // newer server wrote it, this one was rolled back), so it stays.
    if (!ModelKindFromProto(record.model_kind).ok()) return built.status();
    absl::Status deleted = options_.store->DeleteVersion(name, record.version);
    if (!deleted.ok()) {
      Log(absl::StrCat("could not delete failed version ", record.version, ": ",
                       deleted.ToString()));
    }
    return built.status();
  }
  // The handle handed to requests; when the last copy goes away (the manager
  // dropped it and no request holds it), `released` is notified.
  auto released = std::make_shared<absl::Notification>();
  std::shared_ptr<const model::ModelVersion> owner = *std::move(built);
  std::shared_ptr<const model::ModelVersion> handle(
      owner.get(), [owner, released](const model::ModelVersion*) mutable {
        owner.reset();
        released->Notify();
      });
  {
    absl::MutexLock lock(&mu_);
    VersionEntry& entry = models_[name].versions[record.version];
    entry.servable = std::move(handle);
    entry.released = std::move(released);
    entry.state = nbo::v1::VERSION_STATE_AVAILABLE;
    ++swaps_;
  }
  Log(absl::StrCat("version ", record.version, " of model '", name,
                   "' is AVAILABLE (", record.catalog.size(), " products, ",
                   record.customer_count, " customers, rank ", record.rank,
                   ")"));
  return absl::OkStatus();
}

void ModelManager::HoldRetention() {
  absl::MutexLock admin(&admin_mu_);
  retention_held_ = true;
}

void ModelManager::ReleaseRetention() {
  absl::MutexLock admin(&admin_mu_);
  retention_held_ = false;
  std::vector<std::string> names;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [name, model] : models_) names.push_back(name);
  }
  for (const std::string& name : names) ApplyRetentionLocked(name);
  PublishSnapshot();
}

void ModelManager::ApplyRetentionLocked(const std::string& model_name) {
  if (retention_held_) return;
  std::vector<int64_t> to_unload;
  {
    absl::MutexLock lock(&mu_);
    auto model = models_.find(model_name);
    if (model == models_.end()) return;
    const ModelEntry& entry = model->second;
    int kept = 0;
    for (auto it = entry.versions.rbegin(); it != entry.versions.rend(); ++it) {
      if (it->second.state != nbo::v1::VERSION_STATE_AVAILABLE) continue;
      const bool pinned = !LabelsOf(entry.config, it->first).empty() ||
                          SplitNamesVersion(entry.config, it->first);
      if (pinned) continue;
      if (kept < options_.keep_versions) {
        ++kept;
        continue;
      }
      to_unload.push_back(it->first);
    }
    // Forget the oldest END/FAILED entries; they only serve GetModelStatus.
    int ended = 0;
    for (auto it = model->second.versions.rbegin();
         it != model->second.versions.rend();) {
      const bool done = it->second.state == nbo::v1::VERSION_STATE_END ||
                        it->second.state == nbo::v1::VERSION_STATE_FAILED;
      if (done && ++ended > kRememberedEndedVersions) {
        it = decltype(it)(model->second.versions.erase(std::next(it).base()));
      } else {
        ++it;
      }
    }
  }
  for (int64_t version : to_unload) UnloadLocked(model_name, version);
}

void ModelManager::UnloadLocked(const std::string& model_name,
                                int64_t version) {
  std::shared_ptr<absl::Notification> released;
  {
    absl::MutexLock lock(&mu_);
    VersionEntry& entry = models_[model_name].versions[version];
    entry.state = nbo::v1::VERSION_STATE_UNLOADING;
    entry.servable.reset();
    released = entry.released;
  }
  // Stop routing to it; requests that already hold it keep it alive.
  PublishSnapshot();
  if (released != nullptr &&
      !released->WaitForNotificationWithTimeout(options_.unload_grace)) {
    Log(absl::StrCat("version ", version, " of model '", model_name,
                     "' still had requests after the unload grace period"));
  }
  absl::Status deleted = options_.store->DeleteVersion(model_name, version);
  if (!deleted.ok() && !absl::IsNotFound(deleted)) {
    Log(absl::StrCat("could not delete version ", version, " of model '",
                     model_name, "': ", deleted.ToString()));
  }
  {
    absl::MutexLock lock(&mu_);
    models_[model_name].versions[version].state = nbo::v1::VERSION_STATE_END;
  }
  Log(absl::StrCat("version ", version, " of model '", model_name,
                   "' unloaded and deleted"));
}

void ModelManager::PublishSnapshot() {
  auto next = std::make_shared<Snapshot>();
  {
    absl::ReaderMutexLock lock(&mu_);
    for (const auto& [name, entry] : models_) {
      Snapshot::Model& model = next->models[name];
      for (const auto& [version, v] : entry.versions) {
        model.known[version] = v.state;
        if (v.state == nbo::v1::VERSION_STATE_AVAILABLE) {
          model.available[version] = v.servable;
        }
      }
      model.labels = entry.config.labels;
      model.split = entry.config.split;
      model.split_salt = entry.config.split_salt;
      for (const store::SplitArm& arm : model.split) {
        model.split_total_weight += arm.weight;
      }
    }
  }
  snapshot_.store(std::move(next));
  NotifyChange();
}

std::shared_ptr<const ModelManager::Snapshot> ModelManager::snapshot() const {
  return snapshot_.load();
}

void ModelManager::NotifyChange() const {
  if (options_.on_change) options_.on_change();
}

absl::StatusOr<Route> ModelManager::Resolve(
    const nbo::v1::ModelSelector& selector,
    absl::string_view customer_id) const {
  if (!selector.model_name().empty()) {
    NBO_RETURN_IF_ERROR(ValidateModelName(selector.model_name()));
  }
  if (selector.has_label()) {
    NBO_RETURN_IF_ERROR(ValidateLabel(selector.label()));
  }
  const std::shared_ptr<const Snapshot> snap = snapshot();
  const std::string name = ResolveName(selector.model_name());
  auto model_it = snap->models.find(name);
  if (model_it == snap->models.end()) {
    if (name == options_.default_model) {
      return absl::UnavailableError("no model version is available yet");
    }
    return absl::NotFoundError(
        absl::StrCat("unknown model ", QuoteForError(name)));
  }
  const Snapshot::Model& model = model_it->second;
  auto available = [&](int64_t version) -> const model::ModelVersion* {
    auto it = model.available.find(version);
    return it == model.available.end() ? nullptr : it->second.get();
  };
  auto route_to = [&](int64_t version, std::string arm) -> Route {
    return Route{model.available.at(version), std::move(arm)};
  };

  switch (selector.choice_case()) {
    case nbo::v1::ModelSelector::kVersion: {
      const int64_t version = selector.version();
      if (version <= 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("model.version must be positive, got ", version));
      }
      if (available(version) != nullptr) return route_to(version, "");
      if (model.known.contains(version) &&
          model.known.at(version) != nbo::v1::VERSION_STATE_END) {
        return absl::UnavailableError(
            absl::StrCat("version ", version, " of model ", QuoteForError(name),
                         " is ", VersionStateName(model.known.at(version))));
      }
      return absl::NotFoundError(absl::StrCat("model ", QuoteForError(name),
                                              " has no version ", version));
    }
    case nbo::v1::ModelSelector::kLabel: {
      auto it = model.labels.find(selector.label());
      if (it == model.labels.end()) {
        return absl::NotFoundError(
            absl::StrCat("model ", QuoteForError(name), " has no label ",
                         QuoteForError(selector.label())));
      }
      if (available(it->second) == nullptr) {
        return absl::UnavailableError(absl::StrCat("version ", it->second,
                                                   " (label '", it->first,
                                                   "') is not AVAILABLE"));
      }
      return route_to(it->second, "");
    }
    case nbo::v1::ModelSelector::CHOICE_NOT_SET:
      break;
  }
  if (model.split_total_weight > 0) {
    uint64_t point = common::StableHash(model.split_salt, customer_id) %
                     model.split_total_weight;
    for (const store::SplitArm& arm : model.split) {
      if (point >= arm.weight) {
        point -= arm.weight;
        continue;
      }
      int64_t version = arm.version;
      if (!arm.label.empty()) {
        auto it = model.labels.find(arm.label);
        version = it == model.labels.end() ? 0 : it->second;
      }
      // An arm whose target is gone falls back to the latest version rather
      // than failing the request; the arm name still says where it came from.
      if (available(version) != nullptr) {
        return route_to(version, ArmName(arm));
      }
      break;
    }
  }
  if (model.available.empty()) {
    return absl::UnavailableError(absl::StrCat(
        "model ", QuoteForError(name), " has no AVAILABLE version yet"));
  }
  return Route{model.available.rbegin()->second, ""};
}

absl::StatusOr<nbo::v1::ModelStatus> ModelManager::SetLabel(
    const std::string& model_name, const std::string& label, int64_t version) {
  NBO_RETURN_IF_ERROR(ValidateModelName(model_name));
  NBO_RETURN_IF_ERROR(ValidateLabel(label));
  if (version < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("version must not be negative, got ", version));
  }
  absl::MutexLock admin(&admin_mu_);
  store::ModelConfig config;
  {
    absl::MutexLock lock(&mu_);
    NBO_ASSIGN_OR_RETURN(const ModelEntry* model, FindModelLocked(model_name));
    config = model->config;
    if (version == 0) {
      if (!config.labels.contains(label)) {
        return absl::NotFoundError(
            absl::StrCat("model ", QuoteForError(model_name), " has no label ",
                         QuoteForError(label)));
      }
      for (const store::SplitArm& arm : config.split) {
        if (arm.label == label) {
          return absl::FailedPreconditionError(absl::StrCat(
              "label ", QuoteForError(label), " is used by the traffic split"));
        }
      }
      config.labels.erase(label);
    } else {
      NBO_RETURN_IF_ERROR(
          RequireAvailableLocked(*model, model_name, version,
                                 "only an AVAILABLE version can be labelled"));
      config.labels[label] = version;
    }
  }
  return CommitConfigLocked(model_name, std::move(config));
}

absl::StatusOr<nbo::v1::ModelStatus> ModelManager::SetTrafficSplit(
    const std::string& model_name, const std::vector<store::SplitArm>& arms,
    const std::string& salt) {
  NBO_RETURN_IF_ERROR(ValidateModelName(model_name));
  NBO_RETURN_IF_ERROR(ValidateLength("salt", salt, common::kMaxSplitSaltBytes));
  if (arms.size() > kMaxSplitArms) {
    return absl::InvalidArgumentError(
        absl::StrCat("a traffic split has at most ", kMaxSplitArms,
                     " arms, got ", arms.size()));
  }
  for (size_t i = 0; i < arms.size(); ++i) {
    const store::SplitArm& arm = arms[i];
    if (arm.weight == 0 || arm.weight > common::kMaxSplitWeight) {
      return absl::InvalidArgumentError(absl::StrCat(
          "arm ", i, " has weight ", arm.weight, "; weights must be in [1, ",
          common::kMaxSplitWeight, "]"));
    }
    if (arm.label.empty() && arm.version <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("arm ", i, " names neither a version nor a label"));
    }
    if (!arm.label.empty()) NBO_RETURN_IF_ERROR(ValidateLabel(arm.label));
  }
  absl::MutexLock admin(&admin_mu_);
  store::ModelConfig config;
  {
    absl::MutexLock lock(&mu_);
    NBO_ASSIGN_OR_RETURN(const ModelEntry* model, FindModelLocked(model_name));
    config = model->config;
    for (const store::SplitArm& arm : arms) {
      if (!arm.label.empty()) {
        if (!config.labels.contains(arm.label)) {
          return absl::NotFoundError(
              absl::StrCat("model ", QuoteForError(model_name),
                           " has no label ", QuoteForError(arm.label)));
        }
        continue;
      }
      NBO_RETURN_IF_ERROR(
          RequireAvailableLocked(*model, model_name, arm.version,
                                 "a split can only name AVAILABLE versions"));
    }
  }
  config.split = arms;
  if (!salt.empty() || config.split_salt.empty()) {
    config.split_salt = salt.empty() ? model_name : salt;
  }
  return CommitConfigLocked(model_name, std::move(config));
}

absl::StatusOr<const ModelManager::ModelEntry*> ModelManager::FindModelLocked(
    const std::string& model_name) const {
  auto it = models_.find(model_name);
  if (it == models_.end()) {
    return absl::NotFoundError(
        absl::StrCat("unknown model ", QuoteForError(model_name)));
  }
  return &it->second;
}

absl::StatusOr<nbo::v1::VersionState> ModelManager::FindVersionLocked(
    const ModelEntry& model, const std::string& model_name,
    int64_t version) const {
  auto it = model.versions.find(version);
  if (it == model.versions.end() ||
      it->second.state == nbo::v1::VERSION_STATE_END) {
    return absl::NotFoundError(absl::StrCat("model ", QuoteForError(model_name),
                                            " has no version ", version));
  }
  return it->second.state;
}

absl::Status ModelManager::RequireAvailableLocked(const ModelEntry& model,
                                                  const std::string& model_name,
                                                  int64_t version,
                                                  absl::string_view why) const {
  NBO_ASSIGN_OR_RETURN(const VersionState state,
                       FindVersionLocked(model, model_name, version));
  if (state != nbo::v1::VERSION_STATE_AVAILABLE) {
    return absl::FailedPreconditionError(absl::StrCat(
        "version ", version, " is ", VersionStateName(state), "; ", why));
  }
  return absl::OkStatus();
}

absl::StatusOr<nbo::v1::ModelStatus> ModelManager::CommitConfigLocked(
    const std::string& model_name, store::ModelConfig config) {
  config.model_name = model_name;
  NBO_RETURN_IF_ERROR(options_.store->PutModelConfig(config));
  {
    absl::MutexLock lock(&mu_);
    models_[model_name].config = std::move(config);
  }
  // A label or split moved off a version may leave it beyond retention.
  ApplyRetentionLocked(model_name);
  PublishSnapshot();
  return GetModelStatus(model_name);
}

absl::Status ModelManager::DeleteVersion(const std::string& model_name,
                                         int64_t version) {
  NBO_RETURN_IF_ERROR(ValidateModelName(model_name));
  absl::MutexLock admin(&admin_mu_);
  VersionState state;
  {
    absl::MutexLock lock(&mu_);
    NBO_ASSIGN_OR_RETURN(const ModelEntry* model, FindModelLocked(model_name));
    const ModelEntry& entry = *model;
    NBO_ASSIGN_OR_RETURN(state, FindVersionLocked(entry, model_name, version));
    const std::vector<std::string> labels = LabelsOf(entry.config, version);
    if (!labels.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "version ", version, " carries label ", QuoteForError(labels[0]),
          "; move or remove the label first"));
    }
    if (SplitNamesVersion(entry.config, version)) {
      return absl::FailedPreconditionError(
          absl::StrCat("version ", version, " is named by the traffic split"));
    }
    if (state == nbo::v1::VERSION_STATE_AVAILABLE) {
      int available = 0;
      for (const auto& [v, e] : entry.versions) {
        available += e.state == nbo::v1::VERSION_STATE_AVAILABLE;
      }
      if (available == 1) {
        return absl::FailedPreconditionError(absl::StrCat(
            "version ", version,
            " is the only AVAILABLE version; publish another first"));
      }
    }
  }
  if (state == nbo::v1::VERSION_STATE_AVAILABLE) {
    UnloadLocked(model_name, version);
    return absl::OkStatus();
  }
  // FAILED versions have no data left; just forget them.
  {
    absl::MutexLock lock(&mu_);
    models_[model_name].versions.erase(version);
  }
  PublishSnapshot();
  return absl::OkStatus();
}

nbo::v1::ModelStatus ModelManager::StatusOf(const std::string& name,
                                            const ModelEntry& entry) const {
  nbo::v1::ModelStatus status;
  status.set_model_name(name);
  for (const auto& [version, v] : entry.versions) {
    nbo::v1::VersionStatus* out = status.add_versions();
    out->set_version(version);
    out->set_state(v.state);
    out->set_error_message(v.error);
    const store::VersionRecord& r = v.record;
    out->set_rank(r.rank);
    out->set_model_kind(ReportedModelKind(r.model_kind));
    out->set_customer_count(r.customer_count);
    out->set_product_count(r.product_count);
    out->mutable_created_time()->set_seconds(r.created_unix_micros / 1000000);
    out->mutable_created_time()->set_nanos(
        static_cast<int32_t>(r.created_unix_micros % 1000000) * 1000);
    nbo::v1::ModelMetadata* meta = out->mutable_metadata();
    meta->set_description(r.description);
    CopyPublicLabels(r.labels, meta->mutable_labels());
    meta->mutable_metrics()->insert(r.metrics.begin(), r.metrics.end());
    meta->set_calibration_a(r.calibration_a);
    meta->set_calibration_b(r.calibration_b);
    for (const std::string& label : LabelsOf(entry.config, version)) {
      out->add_labels(label);
    }
  }
  status.mutable_labels()->insert(entry.config.labels.begin(),
                                  entry.config.labels.end());
  for (const store::SplitArm& arm : entry.config.split) {
    nbo::v1::TrafficArm* out = status.add_traffic_split();
    if (arm.label.empty()) {
      out->set_version(arm.version);
    } else {
      out->set_label(arm.label);
    }
    out->set_weight(arm.weight);
  }
  status.set_split_salt(entry.config.split_salt);
  return status;
}

std::vector<nbo::v1::ModelStatus> ModelManager::ListModels() const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<std::string> names;
  for (const auto& [name, entry] : models_) names.push_back(name);
  std::sort(names.begin(), names.end());
  std::vector<nbo::v1::ModelStatus> out;
  for (const std::string& name : names) {
    out.push_back(StatusOf(name, models_.at(name)));
  }
  return out;
}

absl::StatusOr<nbo::v1::ModelStatus> ModelManager::GetModelStatus(
    const std::string& model_name) const {
  NBO_RETURN_IF_ERROR(ValidateModelName(model_name));
  absl::ReaderMutexLock lock(&mu_);
  NBO_ASSIGN_OR_RETURN(const ModelEntry* model, FindModelLocked(model_name));
  return StatusOf(model_name, *model);
}

bool ModelManager::AnyAvailable() const {
  const std::shared_ptr<const Snapshot> snap = snapshot();
  for (const auto& [name, model] : snap->models) {
    if (!model.available.empty()) return true;
  }
  return false;
}

std::map<nbo::v1::VersionState, int> ModelManager::CountByState() const {
  absl::ReaderMutexLock lock(&mu_);
  std::map<nbo::v1::VersionState, int> counts;
  for (const auto& [name, entry] : models_) {
    for (const auto& [version, v] : entry.versions) ++counts[v.state];
  }
  return counts;
}

int64_t ModelManager::swaps() const {
  absl::ReaderMutexLock lock(&mu_);
  return swaps_;
}

}  // namespace nbo::serving
