// Copyright (c) 2026 The nbo Authors. MIT License.
//
// PublishStream and ExportModel against a scripted ModelService on a
// loopback port: what arrives, what the caller gets back, and every way a
// stream can end badly.

#include "services/common/model_stream_client.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"
#include "services/common/client_channel.h"
#include "services/common/grpc_status.h"

namespace nbo::services {
namespace {

using ::nbo::testing::IsOk;
using ::nbo::testing::StatusIs;
using ::nbo::v1::PublishModelRequest;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// PublishModel: reads the whole stream (or refuses it once
// `refuse_after` messages have arrived) and answers with the header's
// version. ExportModel: writes `export_messages`, then ends with
// `export_status`. Thread-safe.
class ScriptedModelService final : public nbo::v1::ModelService::Service {
 public:
  grpc::Status PublishModel(grpc::ServerContext* context,
                            grpc::ServerReader<PublishModelRequest>* reader,
                            nbo::v1::PublishModelResponse* response) override {
    PublishModelRequest message;
    int64_t count = 0;
    int64_t bytes = 0;
    while (reader->Read(&message)) {
      ++count;
      bytes += static_cast<int64_t>(message.ByteSizeLong());
      if (message.has_header())
        response->set_version(message.header().version());
      if (count == refuse_after) {
        return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                            "chunk 2 has the wrong rank");
      }
    }
    absl::MutexLock lock(&mu_);
    published_messages_ = count;
    const auto& metadata = context->client_metadata();
    if (auto it = metadata.find("authorization"); it != metadata.end()) {
      authorization_.assign(it->second.data(), it->second.size());
    }
    response->set_bytes_received(bytes);
    response->set_state(nbo::v1::VERSION_STATE_AVAILABLE);
    return grpc::Status::OK;
  }

  grpc::Status ExportModel(
      grpc::ServerContext* /*context*/,
      const nbo::v1::ExportModelRequest* /*request*/,
      grpc::ServerWriter<PublishModelRequest>* writer) override {
    for (const PublishModelRequest& message : export_messages) {
      writer->Write(message);
    }
    return export_status;
  }

  int64_t published_messages() const {
    absl::MutexLock lock(&mu_);
    return published_messages_;
  }
  std::string authorization() const {
    absl::MutexLock lock(&mu_);
    return authorization_;
  }

  // Set before the first call.
  int64_t refuse_after = -1;
  std::vector<PublishModelRequest> export_messages;
  grpc::Status export_status = grpc::Status::OK;

 private:
  mutable absl::Mutex mu_;
  int64_t published_messages_ ABSL_GUARDED_BY(mu_) = 0;
  std::string authorization_ ABSL_GUARDED_BY(mu_);
};

// header (version 7), one item chunk, one customer chunk, commit.
std::vector<PublishModelRequest> Model() {
  std::vector<PublishModelRequest> messages(4);
  messages[0].mutable_header()->set_version(7);
  messages[0].mutable_header()->set_rank(2);
  auto* item = messages[1].mutable_item_factors()->add_rows();
  item->set_id("P01");
  item->add_values(0.5f);
  item->add_values(-0.5f);
  auto* customer = messages[2].mutable_customer_factors()->add_rows();
  customer->set_id("C0000001");
  customer->add_values(1.0f);
  customer->add_values(2.0f);
  messages[3].mutable_commit()->set_expected_product_count(1);
  return messages;
}

class ModelStreamClientTest : public ::testing::Test {
 protected:
  void Start() {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ClientOptions options;
    options.target = absl::StrCat("127.0.0.1:", port);
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
        MakeChannel(options);
    ASSERT_THAT(channel, IsOk());
    stub_ = nbo::v1::ModelService::NewStub(*channel);
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  nbo::v1::ExportModelRequest ExportRequest() const {
    nbo::v1::ExportModelRequest request;
    request.set_version(7);
    return request;
  }

  ScriptedModelService service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<nbo::v1::ModelService::Stub> stub_;
};

TEST_F(ModelStreamClientTest, PublishSendsEveryMessageAndReturnsTheAnswer) {
  Start();
  StreamCallOptions options;
  options.bearer_token = "admin";
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<PublishStream> stream,
                       PublishStream::Start(*stub_, options));
  uint64_t bytes = 0;
  for (const PublishModelRequest& message : Model()) {
    ASSERT_THAT(stream->Write(message), IsOk());
    bytes += message.ByteSizeLong();
  }
  EXPECT_EQ(stream->bytes_sent(), bytes);
  ASSERT_OK_AND_ASSIGN(nbo::v1::PublishModelResponse response,
                       stream->Finish());
  EXPECT_EQ(response.version(), 7);
  EXPECT_EQ(response.bytes_received(), static_cast<int64_t>(bytes));
  EXPECT_EQ(service_.published_messages(), 4);
  EXPECT_EQ(service_.authorization(), "Bearer admin");
}

TEST_F(ModelStreamClientTest, PublishRefusedMidStreamReturnsTheServersStatus) {
  service_.refuse_after = 2;
  Start();
  // Enough messages that a write meets the closed stream, or Finish does.
  std::vector<PublishModelRequest> messages = Model();
  for (int i = 0; i < 200; ++i) messages.insert(messages.end() - 1, Model()[2]);
  EXPECT_THAT(
      PublishModel(*stub_, messages, StreamCallOptions()),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("wrong rank")));
}

TEST_F(ModelStreamClientTest, PublishPastTheDeadlineIsDeadlineExceeded) {
  Start();
  StreamCallOptions options;
  options.timeout = absl::Seconds(-1);
  EXPECT_THAT(PublishModel(*stub_, Model(), options),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
}

TEST_F(ModelStreamClientTest, ExportReturnsTheMessagesInOrder) {
  service_.export_messages = Model();
  Start();
  ASSERT_OK_AND_ASSIGN(
      std::vector<PublishModelRequest> messages,
      ExportModelMessages(*stub_, ExportRequest(), StreamCallOptions()));
  ASSERT_EQ(messages.size(), 4u);
  EXPECT_EQ(messages[0].header().version(), 7);
  EXPECT_EQ(messages[1].item_factors().rows(0).id(), "P01");
  EXPECT_EQ(messages[2].customer_factors().rows(0).id(), "C0000001");
  EXPECT_TRUE(messages[3].has_commit());
}

TEST_F(ModelStreamClientTest, ExportWithoutCommitIsFailedPrecondition) {
  service_.export_messages = Model();
  service_.export_messages.pop_back();
  Start();
  EXPECT_THAT(
      ExportModelMessages(*stub_, ExportRequest(), StreamCallOptions()),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("commit")));
}

TEST_F(ModelStreamClientTest, ExportWithoutHeaderIsFailedPrecondition) {
  service_.export_messages = Model();
  service_.export_messages.erase(service_.export_messages.begin());
  Start();
  EXPECT_THAT(
      ExportModelMessages(*stub_, ExportRequest(), StreamCallOptions()),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("header")));
}

TEST_F(ModelStreamClientTest, ExportFailureIsTheServersStatus) {
  service_.export_messages = {Model()[0]};
  service_.export_status =
      grpc::Status(grpc::StatusCode::NOT_FOUND, "no version 7");
  Start();
  EXPECT_THAT(ExportModelMessages(*stub_, ExportRequest(), StreamCallOptions()),
              StatusIs(absl::StatusCode::kNotFound, "no version 7"));
}

TEST_F(ModelStreamClientTest, ExportStopsAtTheCallersFirstError) {
  service_.export_messages = Model();
  Start();
  std::vector<std::string> seen;
  EXPECT_THAT(
      ExportModel(*stub_, ExportRequest(), StreamCallOptions(),
                  [&seen](PublishModelRequest& message) {
                    seen.push_back(message.has_header() ? "header" : "items");
                    if (message.has_item_factors()) {
                      return absl::DataLossError("disk full");
                    }
                    return absl::OkStatus();
                  }),
      StatusIs(absl::StatusCode::kDataLoss, "disk full"));
  EXPECT_THAT(seen, ElementsAre("header", "items"));
}

}  // namespace
}  // namespace nbo::services
