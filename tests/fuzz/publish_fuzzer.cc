// Copyright (c) 2026 The nbo Authors. MIT License.
//
// Fuzzes publish validation: a PublishModel stream as nbo-server's
// ModelService takes it (services/nbo_server/model_service_impl.cc), through
// the catalog rule checks and a PublishSession over a real ModelStore and
// ModelManager. The input is a sequence of length-delimited
// PublishModelRequest messages (a varint length, then the message: what
// protobuf's SerializeDelimitedToOstream writes); a message that does not
// parse ends the stream as a broken gRPC call would, without Finish().
//
// Properties, besides no crash, leak or undefined behaviour:
//   - every rejection carries one of the codes PublishSession documents;
//   - a publish that succeeds is committed and AVAILABLE as reported;
//   - a publish that fails leaves nothing in the store and releases its
//     version number at once.
//
// One store (RocksDB on tmpfs, unsynced) serves the whole run; each input
// gets a fresh manager, and a version it publishes is deleted afterwards, so
// every input starts from an empty store.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/stubs/logging.h"
#include "google/protobuf/util/delimited_message_util.h"
#include "lib/serving/catalog_registry.h"
#include "lib/serving/model_manager.h"
#include "lib/serving/publish_session.h"
#include "lib/store/model_store.h"
#include "nbo/v1/model_service.pb.h"
#include "tests/fuzz/fuzz_scratch.h"

namespace nbo::fuzz {
namespace {

// Created after the scratch directory, so destroyed before it at exit.
store::ModelStore& Store() {
  static const std::unique_ptr<store::ModelStore> model_store = [] {
    store::ModelStore::Options options;
    options.path = ScratchDir::Get().Sub("db");
    options.sync = false;
    options.block_cache_bytes = 1 << 20;
    absl::StatusOr<std::unique_ptr<store::ModelStore>> opened =
        store::ModelStore::Open(options);
    Check(opened.ok(), "the model store opens");
    return *std::move(opened);
  }();
  return *model_store;
}

// The codes PublishSession::Add and Finish document, and the store's
// INTERNAL for a failure of its own, which tmpfs does not produce.
bool IsPublishRejection(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kResourceExhausted:
      return true;
    default:
      return false;
  }
}

// The catalog rules nbo-server checks before handing a header to the
// session.
absl::Status CheckCatalogRules(const nbo::v1::PublishHeader& header) {
  for (const nbo::v1::Product& product : header.catalog()) {
    absl::Status rules = serving::ToProductRule(product).status();
    if (rules.ok()) {
      rules =
          serving::ContactPolicyOf(product, decision::ContactPolicy{}).status();
    }
    if (!rules.ok()) return rules;
  }
  return absl::OkStatus();
}

void FuzzPublish(const uint8_t* data, size_t size) {
  store::ModelStore& model_store = Store();
  serving::ModelManager::Options manager_options;
  manager_options.store = &model_store;
  absl::StatusOr<std::unique_ptr<serving::ModelManager>> manager =
      serving::ModelManager::Create(std::move(manager_options));
  Check(manager.ok(), "the manager is created");

  const absl::Time now = absl::FromUnixSeconds(1767225600);
  auto session = std::make_unique<serving::PublishSession>(
      manager->get(), &model_store, serving::PublishLimits(),
      [now] { return now; });
  google::protobuf::io::CodedInputStream input(data, static_cast<int>(size));
  nbo::v1::PublishModelRequest message;
  bool stream_ok = true;     // Every message was accepted.
  bool stream_ended = true;  // The stream ended cleanly, not broken.
  for (;;) {
    if (input.ExpectAtEnd()) break;
    bool clean_eof = false;
    if (!google::protobuf::util::ParseDelimitedFromCodedStream(&message, &input,
                                                               &clean_eof)) {
      stream_ended = clean_eof;
      break;
    }
    if (message.has_header()) {
      if (absl::Status rules = CheckCatalogRules(message.header());
          !rules.ok()) {
        Check(rules.code() == absl::StatusCode::kInvalidArgument,
              "a bad catalog rule is INVALID_ARGUMENT");
        stream_ok = false;
        break;
      }
    }
    absl::Status added = session->Add(message);
    if (!added.ok()) {
      Check(IsPublishRejection(added.code()),
            "PublishSession::Add fails with a documented code");
      stream_ok = false;
      break;
    }
  }

  const std::string model_name = session->model_name();
  const int64_t version = session->version();
  bool published = false;
  if (stream_ok && stream_ended) {
    absl::StatusOr<nbo::v1::PublishModelResponse> response = session->Finish();
    if (response.ok()) {
      published = true;
      Check(response->model_name() == model_name &&
                response->version() == version,
            "the response names the published version");
      Check(response->state() == nbo::v1::VERSION_STATE_AVAILABLE,
            "a published version is AVAILABLE");
      absl::StatusOr<store::VersionRecord> record =
          model_store.GetVersion(model_name, version);
      Check(record.ok(), "a published version is in the store");
      Check(record->customer_count == response->customer_count() &&
                record->product_count == response->product_count(),
            "the stored counts are the reported ones");
    } else {
      Check(IsPublishRejection(response.status().code()),
            "PublishSession::Finish fails with a documented code");
    }
  }
  // Whatever the outcome, the session is gone before the manager, as in
  // the server, where the stream's session ends with the call.
  session.reset();
  manager->reset();
  if (published) {
    Check(model_store.DeleteVersion(model_name, version).ok(),
          "a published version can be deleted");
  } else if (!model_name.empty() && version > 0) {
    // A failed publish releases its version number at once.
    absl::StatusOr<std::unique_ptr<store::VersionWriter>> writer =
        model_store.BeginVersion(model_name, version, 1);
    if (writer.ok()) {
      Check((*writer)->Abort().ok(), "an empty writer aborts");
    } else {
      // Names the session itself rejected may be invalid for the store.
      Check(writer.status().code() == absl::StatusCode::kInvalidArgument,
            "a failed publish releases its version number");
    }
  }
  absl::StatusOr<std::vector<store::VersionRecord>> left =
      model_store.ListVersions();
  Check(left.ok() && left->empty(), "a failed publish leaves no version");
}

}  // namespace
}  // namespace nbo::fuzz

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  // Protobuf logs every string field that is not UTF-8 as an error; the
  // parse failing is what matters, and the log would drown libFuzzer's.
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nbo::fuzz::FuzzPublish(data, size);
  return 0;
}
