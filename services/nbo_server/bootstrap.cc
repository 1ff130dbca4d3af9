// Copyright (c) 2026 The nbo Authors. MIT License.

#include "services/nbo_server/bootstrap.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "lib/common/file_util.h"
#include "lib/common/status_macros.h"
#include "lib/serving/version_publish.h"
#include "services/common/client_channel.h"
#include "services/common/grpc_status.h"
#include "services/common/model_stream_client.h"
#include "services/common/resolve_targets.h"
#include "services/common/tls_files.h"

namespace nbo::server {
namespace {

constexpr char kLog[] = "nbo: bootstrap: ";

// A peer's address and the name its TLS certificate is checked against
// ("" for the address's own host).
struct Peer {
  std::string address;
  std::string authority;
};

absl::StatusOr<std::string> ReadTokenFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("--bootstrap_token_file: cannot read '", path, "'"));
  }
  std::string token((std::istreambuf_iterator<char>(in)),
                    std::istreambuf_iterator<char>());
  absl::StripAsciiWhitespace(&token);
  if (in.bad() || token.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--bootstrap_token_file: '", path, "' holds no token (empty)"));
  }
  return token;
}

// Every address of `targets` but this server's own, in the order given.
// Targets that do not resolve go to `problems`.
std::vector<Peer> ResolvePeers(const std::vector<std::string>& targets,
                               int own_port,
                               std::vector<absl::Status>* problems) {
  std::vector<Peer> peers;
  for (const std::string& target : targets) {
    absl::StatusOr<std::vector<std::string>> addresses =
        services::ResolveTarget(target);
    if (!addresses.ok()) {
      problems->push_back(addresses.status());
      continue;
    }
    for (std::string& address : *addresses) {
      if (services::IsOwnAddress(address, own_port)) continue;
      peers.push_back({std::move(address), services::DnsTargetName(target)});
    }
  }
  return peers;
}

// Hands `message` to `publish`; a factor chunk serialized larger than
// `max_bytes` (a peer's export puts every item factor in one message) is
// handed over as several chunks of whole rows, each within it.
absl::Status AddInChunks(const nbo::v1::PublishModelRequest& message,
                         size_t max_bytes, serving::VersionPublish* publish) {
  const bool items = message.has_item_factors();
  if ((!items && !message.has_customer_factors()) ||
      message.ByteSizeLong() <= max_bytes) {
    return publish->Add(message);
  }
  const nbo::v1::FactorChunk& rows =
      items ? message.item_factors() : message.customer_factors();
  // A row costs its bytes plus a tag and a length prefix of up to 5 bytes.
  constexpr size_t kRowOverhead = 6;
  nbo::v1::PublishModelRequest piece;
  size_t piece_bytes = 0;
  for (const nbo::v1::FactorRow& row : rows.rows()) {
    const size_t row_bytes = row.ByteSizeLong() + kRowOverhead;
    if (piece_bytes > 0 && piece_bytes + row_bytes > max_bytes) {
      NBO_RETURN_IF_ERROR(publish->Add(piece));
      piece.Clear();
      piece_bytes = 0;
    }
    *(items ? piece.mutable_item_factors() : piece.mutable_customer_factors())
         ->add_rows() = row;
    piece_bytes += row_bytes;
  }
  return piece_bytes > 0 ? publish->Add(piece) : absl::OkStatus();
}

// The model's AVAILABLE versions in the order they are copied: those a
// label or a version arm of the split names first, oldest first, then the
// others, oldest first. Each label is set as soon as its version is in, so
// that retention (keep_versions) never unloads a version the peer keeps
// only because it is labelled.
std::vector<int64_t> CopyOrder(const nbo::v1::ModelStatus& model) {
  std::set<int64_t> pinned;
  for (const auto& [label, version] : model.labels()) pinned.insert(version);
  for (const nbo::v1::TrafficArm& arm : model.traffic_split()) {
    if (arm.has_version()) pinned.insert(arm.version());
  }
  std::vector<int64_t> first;
  std::vector<int64_t> then;
  for (const nbo::v1::VersionStatus& v : model.versions()) {
    if (v.state() != nbo::v1::VERSION_STATE_AVAILABLE) continue;
    (pinned.count(v.version()) > 0 ? first : then).push_back(v.version());
  }
  std::sort(first.begin(), first.end());
  std::sort(then.begin(), then.end());
  first.insert(first.end(), then.begin(), then.end());
  return first;
}

bool HasAvailableVersion(const nbo::v1::ModelStatus& model) {
  return std::any_of(model.versions().begin(), model.versions().end(),
                     [](const nbo::v1::VersionStatus& v) {
                       return v.state() == nbo::v1::VERSION_STATE_AVAILABLE;
                     });
}

// `status` with "what: " before its message, its code kept.
absl::Status Annotate(const absl::Status& status, absl::string_view what) {
  return absl::Status(status.code(),
                      absl::StrCat(what, ": ", status.message()));
}

// The code a round's failures add up to: a refused token says what to fix,
// so it wins; then a peer's own error; UNAVAILABLE when every peer was
// merely out of reach.
absl::StatusCode CombinedCode(const std::vector<absl::Status>& failures) {
  absl::StatusCode code = absl::StatusCode::kUnavailable;
  for (const absl::Status& s : failures) {
    if (s.code() == absl::StatusCode::kUnauthenticated ||
        s.code() == absl::StatusCode::kPermissionDenied) {
      return s.code();
    }
    if (s.code() != absl::StatusCode::kUnavailable &&
        s.code() != absl::StatusCode::kDeadlineExceeded &&
        code == absl::StatusCode::kUnavailable) {
      code = s.code();
    }
  }
  return code;
}

// Whether the local store holds any version of any model.
bool LocalHasVersions(const BootstrapTarget& local) {
  for (const nbo::v1::ModelStatus& model : local.manager->ListModels()) {
    if (model.versions_size() > 0) return true;
  }
  return false;
}

void RemoveMarker(const BootstrapTarget& local) {
  if (local.marker_path.empty()) return;
  std::error_code ec;
  std::filesystem::remove(local.marker_path, ec);
  if (ec) {
    std::fprintf(stderr, "%scannot remove %s: %s\n", kLog,
                 local.marker_path.c_str(), ec.message().c_str());
  }
}

}  // namespace

// Copies from one peer: what it lists, then per model its versions (with
// labels and the split set as soon as they can be), then its catalog and
// levers.
class Bootstrap::PeerCopy {
 public:
  PeerCopy(Bootstrap& bootstrap, const BootstrapTarget& local, const Peer& peer,
           const std::shared_ptr<grpc::Channel>& channel)
      : bootstrap_(bootstrap),
        local_(local),
        peer_(peer),
        stub_(nbo::v1::ModelService::NewStub(channel)),
        health_(grpc::health::v1::Health::NewStub(channel)) {}

  // True when the peer had versions and they are all in; false when it has
  // nothing to serve. The first error otherwise.
  absl::StatusOr<bool> Run() {
    nbo::v1::ListModelsResponse listed;
    NBO_RETURN_IF_ERROR(Call(&nbo::v1::ModelService::Stub::ListModels,
                             nbo::v1::ListModelsRequest(), &listed,
                             "ListModels"));
    const bool has_versions = std::any_of(
        listed.models().begin(), listed.models().end(), HasAvailableVersion);
    if (has_versions) NBO_RETURN_IF_ERROR(CheckServing());
    bool any = false;
    for (const nbo::v1::ModelStatus& model : listed.models()) {
      if (!HasAvailableVersion(model)) continue;
      any = true;
      NBO_RETURN_IF_ERROR(CopyModel(model));
      models_.push_back(model.model_name());
    }
    return any;
  }

  // The models copied so far.
  const std::vector<std::string>& models() const { return models_; }
  int versions() const { return versions_; }
  uint64_t bytes() const { return bytes_; }

 private:
  // One unary call to the peer with the call timeout.
  template <typename Request, typename Response>
  absl::Status Call(grpc::Status (nbo::v1::ModelService::Stub::*method)(
                        grpc::ClientContext*, const Request&, Response*),
                    const Request& request, Response* response,
                    absl::string_view what) {
    return CallOn(stub_.get(), method, request, response, what);
  }

  // One unary call on `stub` with the call timeout, cancelled by Stop().
  template <typename Stub, typename Request, typename Response>
  absl::Status CallOn(Stub* stub,
                      grpc::Status (Stub::*method)(grpc::ClientContext*,
                                                   const Request&, Response*),
                      const Request& request, Response* response,
                      absl::string_view what) {
    grpc::ClientContext context;
    context.set_deadline(
        absl::ToChronoTime(absl::Now() + bootstrap_.options_.call_timeout));
    bootstrap_.SetCall(&context);
    const absl::Status status =
        services::FromGrpcStatus((stub->*method)(&context, request, response));
    bootstrap_.SetCall(nullptr);
    NBO_RETURN_IF_ERROR(bootstrap_.Stopped());
    return status.ok() ? status : Annotate(status, what);
  }

  // OK when the peer's health is SERVING. A peer with versions that is not
  // (it is bootstrapping itself, or draining) may hold a partial copy:
  // UNAVAILABLE, so that another peer, or a later round, is used.
  absl::Status CheckServing() {
    grpc::health::v1::HealthCheckResponse response;
    NBO_RETURN_IF_ERROR(CallOn(
        health_.get(), &grpc::health::v1::Health::Stub::Check,
        grpc::health::v1::HealthCheckRequest(), &response, "Health/Check"));
    if (response.status() != grpc::health::v1::HealthCheckResponse::SERVING) {
      return absl::UnavailableError(
          "the peer has versions but is not SERVING (bootstrapping or "
          "draining): not copied from");
    }
    return absl::OkStatus();
  }

  absl::Status CopyModel(const nbo::v1::ModelStatus& model) {
    const std::string& name = model.model_name();
    std::vector<store::SplitArm> split;
    for (const nbo::v1::TrafficArm& arm : model.traffic_split()) {
      store::SplitArm out;
      out.weight = arm.weight();
      out.version = arm.has_version() ? arm.version() : 0;
      out.label = arm.has_label() ? arm.label() : "";
      split.push_back(std::move(out));
    }
    std::set<int64_t> in;
    std::set<std::string> labelled;
    bool split_set = split.empty();
    for (int64_t version : CopyOrder(model)) {
      NBO_RETURN_IF_ERROR(CopyVersion(name, version));
      in.insert(version);
      for (const auto& [label, labelled_version] : model.labels()) {
        if (labelled_version != version) continue;
        NBO_RETURN_IF_ERROR(
            local_.manager->SetLabel(name, label, version).status());
        labelled.insert(label);
      }
      if (bootstrap_.options_.on_copied) {
        bootstrap_.options_.on_copied(name, version);
      }
      const bool ready = std::all_of(
          split.begin(), split.end(), [&](const store::SplitArm& arm) {
            return arm.label.empty() ? in.count(arm.version) > 0
                                     : labelled.count(arm.label) > 0;
          });
      if (!split_set && ready) {
        NBO_RETURN_IF_ERROR(
            local_.manager->SetTrafficSplit(name, split, model.split_salt())
                .status());
        split_set = true;
      }
    }
    if (!split_set) {
      return absl::FailedPreconditionError(
          absl::StrCat("the traffic split of model '", name,
                       "' names a label or version the peer does not serve"));
    }
    return CopyCatalog(name);
  }

  // The version through ExportModel into a VersionPublish; nothing when the
  // local store has it already (an earlier peer's copy).
  absl::Status CopyVersion(const std::string& name, int64_t version) {
    const absl::Status fresh = local_.manager->CheckNewVersion(name, version);
    if (fresh.code() == absl::StatusCode::kAlreadyExists) {
      return absl::OkStatus();
    }
    NBO_RETURN_IF_ERROR(fresh);
    std::fprintf(stderr, "%scopying model '%s' version %lld from %s\n", kLog,
                 name.c_str(), static_cast<long long>(version),
                 peer_.address.c_str());
    const absl::Time start = absl::Now();
    serving::VersionPublish publish(local_.manager, local_.store,
                                    local_.catalogs, local_.limits);
    nbo::v1::ExportModelRequest request;
    request.set_model_name(name);
    request.set_version(version);
    services::StreamCallOptions call;
    call.timeout = bootstrap_.options_.export_timeout;
    call.on_context = [this](grpc::ClientContext* context) {
      bootstrap_.SetCall(context);
    };
    const absl::Status exported = services::ExportModel(
        *stub_, request, call, [&](nbo::v1::PublishModelRequest& message) {
          return AddInChunks(message, local_.limits.max_chunk_bytes, &publish);
        });
    bootstrap_.SetCall(nullptr);
    NBO_RETURN_IF_ERROR(bootstrap_.Stopped());
    if (!exported.ok()) {
      publish.Abandon();
      return Annotate(exported,
                      absl::StrCat("model '", name, "' version ", version));
    }
    NBO_ASSIGN_OR_RETURN(nbo::v1::PublishModelResponse done, publish.Finish());
    if (done.state() != nbo::v1::VERSION_STATE_AVAILABLE) {
      return absl::FailedPreconditionError(
          absl::StrCat("model '", name, "' version ", version,
                       " was copied but did not load"));
    }
    ++versions_;
    bytes_ += publish.bytes_received();
    std::fprintf(stderr,
                 "%smodel '%s' version %lld: %lld products, %lld customers, "
                 "%llu bytes in %s\n",
                 kLog, name.c_str(), static_cast<long long>(version),
                 static_cast<long long>(done.product_count()),
                 static_cast<long long>(done.customer_count()),
                 static_cast<unsigned long long>(publish.bytes_received()),
                 absl::FormatDuration(absl::Now() - start).c_str());
    return absl::OkStatus();
  }

  // The peer's current catalog and levers replace what the versions'
  // headers brought: a product the peer has since dropped must not be
  // offered here.
  absl::Status CopyCatalog(const std::string& name) {
    nbo::v1::GetCatalogRequest request;
    request.set_model_name(name);
    nbo::v1::GetCatalogResponse catalog;
    const absl::Status got = Call(&nbo::v1::ModelService::Stub::GetCatalog,
                                  request, &catalog, "GetCatalog");
    if (got.code() == absl::StatusCode::kNotFound) return absl::OkStatus();
    NBO_RETURN_IF_ERROR(got);
    NBO_RETURN_IF_ERROR(
        local_.catalogs->UpdateCatalog(name, catalog.catalog()).status());
    return local_.catalogs->SetLevers(name, catalog.levers());
  }

  Bootstrap& bootstrap_;
  const BootstrapTarget& local_;
  const Peer& peer_;
  const std::unique_ptr<nbo::v1::ModelService::Stub> stub_;
  const std::unique_ptr<grpc::health::v1::Health::Stub> health_;
  std::vector<std::string> models_;
  int versions_ = 0;
  uint64_t bytes_ = 0;
};

absl::StatusOr<std::unique_ptr<Bootstrap>> Bootstrap::Create(
    BootstrapOptions options) {
  for (const std::string& peer : options.peers) {
    if (absl::Status valid = services::ValidateServerTarget(peer);
        !valid.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--bootstrap_from: ", valid.message()));
    }
  }
  if (options.timeout <= absl::ZeroDuration() ||
      options.initial_backoff <= absl::ZeroDuration() ||
      options.max_backoff < options.initial_backoff ||
      options.call_timeout <= absl::ZeroDuration() ||
      options.export_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "--bootstrap_timeout (and the bootstrap's backoff and call timeouts) "
        "must be positive");
  }
  // Parsed, and the key matched to the certificate, now: not at the first
  // round, when a mistake would only leave the server empty.
  NBO_RETURN_IF_ERROR(services::ValidateTlsFiles(
      services::TlsFileSet{options.cert_file, options.key_file,
                           options.ca_file},
      services::TlsFileNames{"--bootstrap_cert", "--bootstrap_key",
                             "--bootstrap_ca"}));
  std::string token;
  if (!options.token_file.empty()) {
    NBO_ASSIGN_OR_RETURN(token, ReadTokenFile(options.token_file));
  }
  return std::unique_ptr<Bootstrap>(
      new Bootstrap(std::move(options), std::move(token)));
}

void Bootstrap::Stop() {
  absl::MutexLock lock(&mu_);
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (call_ != nullptr) call_->TryCancel();
}

void Bootstrap::SetCall(grpc::ClientContext* context) {
  absl::MutexLock lock(&mu_);
  call_ = context;
  if (call_ != nullptr && stop_.HasBeenNotified()) call_->TryCancel();
}

absl::Status Bootstrap::Stopped() const {
  return stop_.HasBeenNotified()
             ? absl::CancelledError("the server is shutting down")
             : absl::OkStatus();
}

absl::StatusOr<BootstrapReport> Bootstrap::Run(const BootstrapTarget& local) {
  const absl::Time start = absl::Now();
  BootstrapReport report;
  const bool resuming =
      !local.marker_path.empty() && std::filesystem::exists(local.marker_path);
  if (!resuming && LocalHasVersions(local)) {
    report.summary =
        "the local store holds versions (a restart with its data): not "
        "bootstrapping";
    return report;
  }
  if (resuming) {
    std::fprintf(stderr,
                 "%san earlier bootstrap was interrupted: resuming it (the "
                 "versions it copied are kept)\n",
                 kLog);
  }
  // Until the marker goes, a restart resumes the copy instead of taking a
  // partial store for "a restart with its data".
  if (!local.marker_path.empty()) {
    NBO_RETURN_IF_ERROR(common::WriteFileAtomically(
        local.marker_path, "a bootstrap from peers is in progress\n"));
  }
  local.manager->HoldRetention();
  const absl::Cleanup release = [&local] { local.manager->ReleaseRetention(); };
  std::fprintf(stderr, "%slooking for a peer in %s (for up to %s)\n", kLog,
               absl::StrJoin(options_.peers, ",").c_str(),
               absl::FormatDuration(options_.timeout).c_str());
  absl::Duration backoff = options_.initial_backoff;
  for (int round = 1;; ++round) {
    std::vector<absl::Status> failures;
    NBO_ASSIGN_OR_RETURN(bool copied, RunRound(local, &report, &failures));
    report.elapsed = absl::Now() - start;
    if (copied || failures.empty()) {
      if (!copied) {
        report.outcome = BootstrapReport::Outcome::kNothingToCopy;
        report.summary =
            "every peer answered and none has a version to serve (the first "
            "replica of a new cluster): starting empty";
      }
      RemoveMarker(local);
      return report;
    }
    std::vector<std::string> reasons;
    for (const absl::Status& failure : failures) {
      reasons.push_back(failure.ToString());
    }
    const std::string why = absl::StrJoin(reasons, "; ");
    std::fprintf(stderr, "%sround %d found no peer to copy from: %s\n", kLog,
                 round, why.c_str());
    if (absl::Now() + backoff >= start + options_.timeout) {
      if (!LocalHasVersions(local)) {
        RemoveMarker(local);
        return absl::Status(
            CombinedCode(failures),
            absl::StrCat("no peer of --bootstrap_from could be copied from in ",
                         round, " rounds over ",
                         absl::FormatDuration(options_.timeout), ": ", why));
      }
      // Part of a copy is in: serving it would answer with versions,
      // labels or a split the peers do not have. Keep trying (not ready)
      // until a peer answers or the server is stopped.
      std::fprintf(stderr,
                   "%sWARNING: a partial copy is in and no peer answers; not "
                   "serving it, still trying every %s\n",
                   kLog, absl::FormatDuration(options_.max_backoff).c_str());
    }
    if (stop_.WaitForNotificationWithTimeout(backoff)) return Stopped();
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

absl::StatusOr<bool> Bootstrap::RunRound(const BootstrapTarget& local,
                                         BootstrapReport* report,
                                         std::vector<absl::Status>* failures) {
  for (const Peer& peer :
       ResolvePeers(options_.peers, local.own_port, failures)) {
    services::ClientOptions client;
    client.target = peer.address;
    client.bearer_token = token_;
    client.ca_file = options_.ca_file;
    client.cert_file = options_.cert_file;
    client.key_file = options_.key_file;
    // A name to check a certificate against means nothing on plaintext
    // (and MakeChannel refuses it there).
    if (!client.ca_file.empty() || !client.cert_file.empty()) {
      client.authority_override = peer.authority;
    }
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
        services::MakeChannel(client);
    if (!channel.ok()) return channel.status();  // A bad TLS file: final.
    PeerCopy copy(*this, local, peer, *channel);
    absl::StatusOr<bool> copied = copy.Run();
    NBO_RETURN_IF_ERROR(Stopped());
    report->models += static_cast<int>(copy.models().size());
    report->versions += copy.versions();
    report->bytes += copy.bytes();
    if (copied.ok() && *copied) {
      report->outcome = BootstrapReport::Outcome::kCopied;
      report->peer = peer.address;
      report->summary = absl::StrCat(
          "copied ", report->versions, " versions (", report->bytes,
          " bytes) of model ", absl::StrJoin(copy.models(), ", "), " from ",
          peer.address,
          " with their labels, traffic split, catalog and levers");
      return true;
    }
    if (!copied.ok()) {
      failures->push_back(Annotate(copied.status(), peer.address));
    }
  }
  return false;
}

void LogBootstrapResult(const absl::StatusOr<BootstrapReport>& report) {
  if (report.ok()) {
    std::fprintf(stderr, "%s%s (%s)\n", kLog, report->summary.c_str(),
                 absl::FormatDuration(report->elapsed).c_str());
    return;
  }
  if (report.status().code() == absl::StatusCode::kCancelled) {
    std::fprintf(stderr, "%sstopped: the server is shutting down\n", kLog);
    return;
  }
  std::fprintf(
      stderr,
      "nbo: WARNING: ************************************************\n"
      "nbo: WARNING: BOOTSTRAP FAILED: starting EMPTY.\n"
      "nbo: WARNING: %s\n"
      "nbo: WARNING: This replica stays NOT_SERVING until a model is\n"
      "nbo: WARNING: published to it (nbo-trainer --publish_to, nboctl\n"
      "nbo: WARNING: publish), or restart it once a peer is reachable.\n"
      "nbo: WARNING: ************************************************\n",
      report.status().ToString().c_str());
}

}  // namespace nbo::server
