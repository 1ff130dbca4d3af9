// Copyright (c) 2026 The nbo Authors. MIT License.
//
// A new, empty nbo-server replica copies what its peers serve before it
// reports SERVING (--bootstrap_from): for every model, the versions a peer
// has AVAILABLE (through ExportModel, committed through the same
// serving::VersionPublish a PublishModel call uses: same validation, same
// checksums), their labels, the traffic split with its salt, the catalog and
// the levers. docs/operations.md, "Replicas and bootstrap", is the operator's
// side of it.
//
//   NBO_ASSIGN_OR_RETURN(std::unique_ptr<Bootstrap> bootstrap,
//                        Bootstrap::Create(options));
//   absl::StatusOr<BootstrapReport> report = bootstrap->Run(local);

#ifndef NBO_SERVICES_NBO_SERVER_BOOTSTRAP_H_
#define NBO_SERVICES_NBO_SERVER_BOOTSTRAP_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "grpcpp/client_context.h"
#include "lib/serving/catalog_registry.h"
#include "lib/serving/model_manager.h"
#include "lib/serving/publish_session.h"
#include "lib/store/model_store.h"
#include "nbo/v1/model_service.grpc.pb.h"

namespace nbo::server {

struct BootstrapOptions {
  // The peers: each "dns:///NAME:PORT" (every address NAME resolves to,
  // re-resolved on every round, so pods that come and go are found) or
  // "HOST:PORT". Empty turns bootstrap off.
  // Default: none.
  std::vector<std::string> peers;

  // How long to keep looking for a peer to copy from (rounds over every
  // peer, with backoff between them) before starting empty with a warning.
  // A copy under way is not cut short by it.
  // Default: 2 minutes.
  absl::Duration timeout = absl::Minutes(2);

  // The wait after the first round that found no peer to copy from; it
  // doubles after each round, up to max_backoff.
  // Default: 500 ms and 10 s.
  absl::Duration initial_backoff = absl::Milliseconds(500);
  absl::Duration max_backoff = absl::Seconds(10);

  // A file holding the raw bearer token (role admin) the peers' ExportModel
  // needs; surrounding whitespace is ignored. Read once, at Create; never
  // logged. "" sends no token (peers in open mode).
  // Default: "".
  std::string token_file;

  // TLS to the peers, as services::ClientOptions' ca_file, cert_file and
  // key_file. A peer reached by an address that NAME resolved to is
  // checked against NAME. All "" is plaintext.
  // Default: "".
  std::string ca_file;
  std::string cert_file;
  std::string key_file;

  // Deadline of one ListModels or GetCatalog call to a peer.
  // Default: 5 s.
  absl::Duration call_timeout = absl::Seconds(5);

  // Deadline of one version's ExportModel.
  // Default: 10 minutes (a large model over a slow link).
  absl::Duration export_timeout = absl::Minutes(10);

  // Tests only: called on the bootstrap's thread after each version is
  // copied and its labels set, with the model name and version.
  // Default: none.
  std::function<void(const std::string& model, int64_t version)> on_copied;
};

// What a bootstrap did.
struct BootstrapReport {
  enum class Outcome {
    // The local store already held a version (a restart that kept its
    // data): nothing was asked of the peers.
    kLocalData,
    // Every peer answered and none had a version to serve (or the peers
    // were this server alone): the first replica of a new cluster.
    kNothingToCopy,
    // Versions were copied from `peer`.
    kCopied,
  };
  Outcome outcome = Outcome::kLocalData;
  // The peer copied from ("10.0.1.7:50051"), when kCopied.
  std::string peer;
  // Versions copied (a version the local store already had is not
  // counted) and their serialized export bytes, over every model.
  int models = 0;
  int versions = 0;
  uint64_t bytes = 0;
  absl::Duration elapsed;
  // One line for the log, saying all of the above.
  std::string summary;
};

// The local server a bootstrap writes into. Not owned.
struct BootstrapTarget {
  serving::ModelManager* manager = nullptr;
  store::ModelStore* store = nullptr;
  serving::CatalogRegistry* catalogs = nullptr;
  // The limits of a PublishModel call, which copies are held to as well.
  serving::PublishLimits limits;
  // This server's gRPC port: a peer address that is one of this host's own
  // addresses with this port is this server, and is skipped.
  int own_port = 0;
  // A file that exists while a bootstrap is under way (in the data
  // directory): a server restarted during a copy resumes it instead of
  // taking the partial store for its own data. Empty: none (tests).
  std::string marker_path;
};

// One bootstrap run. Run() blocks on the calling thread; Stop() may be
// called from any other thread to end it early.
//
// Thread-safe for Stop() against Run(); Run() once.
class Bootstrap {
 public:
  // Checks the options and reads the token file. INVALID_ARGUMENT naming
  // the flag (--bootstrap_from, --bootstrap_timeout, --bootstrap_token_file,
  // --bootstrap_ca, --bootstrap_cert, --bootstrap_key) for a malformed peer,
  // a non-positive duration, a token file that cannot be read or is empty,
  // a TLS file that cannot be read or parsed, a key that does not match its
  // certificate, or one of cert_file/key_file without the other.
  static absl::StatusOr<std::unique_ptr<Bootstrap>> Create(
      BootstrapOptions options);

  Bootstrap(const Bootstrap&) = delete;
  Bootstrap& operator=(const Bootstrap&) = delete;

  // Copies what a peer serves into `local`, unless `local` already holds a
  // version and no marker says an earlier bootstrap was interrupted (then
  // it resumes). Retention is held while it copies, so every version a
  // split names stays in until the split is set. Peers that are this
  // server, cannot be reached, refuse the call, have nothing to serve, or
  // have versions but are not SERVING (themselves bootstrapping, or
  // draining) are skipped; a peer that fails mid-copy is left for the next
  // (versions already copied stay and are not copied again). Progress goes
  // to stderr (models, versions, bytes; never a customer id). Returns the
  // report; when no peer could be copied from within options.timeout and
  // nothing was copied, the last round's reasons: PERMISSION_DENIED or
  // UNAUTHENTICATED when a peer refused the token, else UNAVAILABLE (or the
  // copy's own code). With part of a copy in, it never gives up: it keeps
  // trying until a peer answers or Stop(). CANCELLED after Stop().
  absl::StatusOr<BootstrapReport> Run(const BootstrapTarget& local);

  // Makes Run() return CANCELLED soon: the call to a peer in progress is
  // cancelled. Idempotent.
  void Stop() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  Bootstrap(BootstrapOptions options, std::string token)
      : options_(std::move(options)), token_(std::move(token)) {}

  class PeerCopy;

  // One pass over every peer address: true once one was copied from. Adds
  // what was copied to `report` and why each peer could not be used to
  // `failures`; a peer with nothing to serve is not a failure.
  absl::StatusOr<bool> RunRound(const BootstrapTarget& local,
                                BootstrapReport* report,
                                std::vector<absl::Status>* failures);
  // CANCELLED once Stop() has been called.
  absl::Status Stopped() const;
  // Remembers the context of the call to a peer in progress (null: none),
  // so that Stop() can cancel it; cancels it at once after Stop().
  void SetCall(grpc::ClientContext* context) ABSL_LOCKS_EXCLUDED(mu_);

  const BootstrapOptions options_;
  // The bearer token from options_.token_file.
  const std::string token_;
  absl::Notification stop_;
  absl::Mutex mu_;
  grpc::ClientContext* call_ ABSL_GUARDED_BY(mu_) = nullptr;
};

// Prints `report` to stderr: one line when it went well, a loud warning
// block when it did not (the server then starts empty).
void LogBootstrapResult(const absl::StatusOr<BootstrapReport>& report);

}  // namespace nbo::server

#endif  // NBO_SERVICES_NBO_SERVER_BOOTSTRAP_H_
