// Copyright (c) 2026 The nbo Authors. MIT License.
//
// nbo-server's client streams over real gRPC on loopback (port 0): corrupt
// messages sent as raw bytes through grpc::GenericStub (and unary and
// server-stream requests that are not protobuf at all), the publish limit,
// the publish idle timeout, the free-space check and the release of a failed
// publish's version number.

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"
#include "nbo/v1/ingest_service.grpc.pb.h"
#include "nbo/v1/model_service.grpc.pb.h"
#include "services/nbo_server/server.h"
#include "tests/unit/server/test_server.h"
#include "tests/unit/serving/test_model.h"

namespace nbo::server {
namespace {

using ::nbo::serving::testing::TestModel;
using ::nbo::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

using Stream = std::vector<nbo::v1::PublishModelRequest>;

// Not a protobuf message: field 1 with wire type 7, which does not exist.
const std::string kGarbage = "\x0f" + std::string(49, '\xff');

// Ends when the server answers a raw call: the status and, if OK, the
// serialized response.
struct RawResult {
  grpc::Status status;
  std::string response;
};

// Sends `messages` as they are (bytes, not messages) on a client stream to
// `method`, closes the sending side and waits for the server's answer.
RawResult CallRaw(grpc::Channel* channel, const std::string& method,
                  const std::vector<std::string>& messages) {
  grpc::GenericStub stub(channel->shared_from_this());
  grpc::CompletionQueue cq;
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call =
      stub.PrepareCall(&context, method, &cq);
  // One operation at a time: returns whether it succeeded.
  auto await = [&cq](int tag) {
    void* got = nullptr;
    bool ok = false;
    EXPECT_TRUE(cq.Next(&got, &ok));
    EXPECT_EQ(got, reinterpret_cast<void*>(tag));
    return ok;
  };
  call->StartCall(reinterpret_cast<void*>(1));
  bool open = await(1);
  for (const std::string& bytes : messages) {
    if (!open) break;
    grpc::Slice slice(bytes);
    grpc::ByteBuffer buffer(&slice, 1);
    call->Write(buffer, reinterpret_cast<void*>(2));
    open = await(2);
  }
  if (open) {
    call->WritesDone(reinterpret_cast<void*>(3));
    (void)await(3);  // The status below says how the call ended.
  }
  RawResult result;
  grpc::ByteBuffer response;
  call->Read(&response, reinterpret_cast<void*>(4));
  if (await(4)) {
    std::vector<grpc::Slice> slices;
    EXPECT_TRUE(response.Dump(&slices).ok());
    for (const grpc::Slice& s : slices) {
      result.response.append(reinterpret_cast<const char*>(s.begin()),
                             s.size());
    }
  }
  call->Finish(&result.status, reinterpret_cast<void*>(5));
  EXPECT_TRUE(await(5));
  cq.Shutdown();
  void* tag = nullptr;
  bool ok = false;
  while (cq.Next(&tag, &ok)) {
  }
  return result;
}

template <typename Message>
std::vector<std::string> Serialize(const std::vector<Message>& messages) {
  std::vector<std::string> out;
  for (const Message& m : messages) out.push_back(m.SerializeAsString());
  return out;
}

class ClientStreamTest : public ::testing::Test {
 protected:
  void Start(NboServer::Options options = {}) {
    auto server = testing::StartTestServer(options, dir_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    channel_ =
        grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->grpc_port()),
                            grpc::InsecureChannelCredentials());
    models_ = nbo::v1::ModelService::NewStub(channel_);
    ingest_ = nbo::v1::IngestService::NewStub(channel_);
  }

  absl::Status Publish(const Stream& stream) {
    return testing::PublishStream(*models_, stream);
  }

  // `count` valid transactions of customer C0000001 with ids <prefix>0...
  static nbo::v1::RecordTransactionsRequest Batch(const std::string& prefix,
                                                  int count) {
    nbo::v1::RecordTransactionsRequest batch;
    for (int i = 0; i < count; ++i) {
      nbo::v1::Transaction* t = batch.add_transactions();
      t->set_customer_id("C0000001");
      t->set_product_id("P01");
      t->set_event(nbo::v1::TRANSACTION_EVENT_VIEW);
      *t->mutable_timestamp() =
          google::protobuf::util::TimeUtil::SecondsToTimestamp(
              absl::ToUnixSeconds(absl::Now() - absl::Hours(1)));
      t->set_transaction_id(absl::StrCat(prefix, i));
    }
    return batch;
  }

  nbo::v1::RecordTransactionsResponse Record(
      const nbo::v1::RecordTransactionsRequest& batch) {
    grpc::ClientContext context;
    nbo::v1::RecordTransactionsResponse response;
    EXPECT_TRUE(ingest_->RecordTransactions(&context, batch, &response).ok());
    return response;
  }

  nbo::testing::TempDir dir_;
  std::unique_ptr<NboServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<nbo::v1::ModelService::Stub> models_;
  std::unique_ptr<nbo::v1::IngestService::Stub> ingest_;
};

constexpr char kStreamTransactions[] =
    "/nbo.v1.IngestService/StreamTransactions";
constexpr char kPublishModel[] = "/nbo.v1.ModelService/PublishModel";

// Issue 10: gRPC itself answers a request that does not parse, with
// UNIMPLEMENTED or INTERNAL and no message; the server says what is wrong.
TEST_F(ClientStreamTest, RequestThatIsNotAProtobufIsInvalidArgument) {
  Start();
  RawResult unary =
      CallRaw(channel_.get(), "/nbo.v1.NBOService/Recommend", {kGarbage});
  EXPECT_EQ(unary.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(unary.status.error_message(),
            "request is not a valid nbo.v1.RecommendRequest message");
  RawResult server_stream =
      CallRaw(channel_.get(), "/nbo.v1.NBOService/BatchRecommend", {kGarbage});
  EXPECT_EQ(server_stream.status.error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(server_stream.status.error_message(),
            "request is not a valid nbo.v1.BatchRecommendRequest message");
  RawResult admin =
      CallRaw(channel_.get(), "/nbo.v1.ModelService/ListModels", {kGarbage});
  EXPECT_EQ(admin.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  // A request that parses reaches the handler, whose answer is untouched...
  RawResult empty =
      CallRaw(channel_.get(), "/nbo.v1.NBOService/Recommend", {std::string()});
  EXPECT_EQ(empty.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(empty.status.error_message(), HasSubstr("customer_id"));
  // ...and a method nobody serves is still UNIMPLEMENTED.
  RawResult unknown =
      CallRaw(channel_.get(), "/nbo.v1.NBOService/NoSuchMethod", {kGarbage});
  EXPECT_EQ(unknown.status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
}

// Issue 10: batch A, 50 bytes of garbage, batches B and C used to answer OK
// with A's count, B and C silently dropped.
TEST_F(ClientStreamTest, CorruptBatchFailsTheStreamNamingItsIndex) {
  Start();
  ASSERT_TRUE(Publish(TestModel().Stream()).ok());
  const nbo::v1::RecordTransactionsRequest a = Batch("a", 5);
  const nbo::v1::RecordTransactionsRequest b = Batch("b", 5);
  const nbo::v1::RecordTransactionsRequest c = Batch("c", 5);
  RawResult result = CallRaw(channel_.get(), kStreamTransactions,
                             {a.SerializeAsString(), kGarbage,
                              b.SerializeAsString(), c.SerializeAsString()});
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(result.status.error_message(),
            "message 1 of the stream is not a valid "
            "nbo.v1.RecordTransactionsRequest; batches applied before it: 1 "
            "(5 transactions accepted, 0 duplicates, 0 rejected)");
  // A was stored; B and C were not.
  EXPECT_EQ(Record(a).duplicates(), 5);
  nbo::v1::RecordTransactionsRequest b_and_c = b;
  b_and_c.MergeFrom(c);
  const nbo::v1::RecordTransactionsResponse rest = Record(b_and_c);
  EXPECT_EQ(rest.accepted(), 10);
  EXPECT_EQ(rest.duplicates(), 0);
}

TEST_F(ClientStreamTest, CorruptFirstBatchAppliesNothing) {
  Start();
  ASSERT_TRUE(Publish(TestModel().Stream()).ok());
  RawResult result = CallRaw(channel_.get(), kStreamTransactions,
                             {kGarbage, Batch("a", 5).SerializeAsString()});
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(result.status.error_message(),
              HasSubstr("message 0 of the stream is not a valid "
                        "nbo.v1.RecordTransactionsRequest; batches applied "
                        "before it: 0 (0 transactions accepted"));
  EXPECT_EQ(Record(Batch("a", 5)).accepted(), 5);
}

TEST_F(ClientStreamTest, ValidRawStreamAnswersForTheWholeStream) {
  Start();
  ASSERT_TRUE(Publish(TestModel().Stream()).ok());
  RawResult result =
      CallRaw(channel_.get(), kStreamTransactions,
              Serialize(std::vector<nbo::v1::RecordTransactionsRequest>{
                  Batch("a", 5), Batch("b", 3)}));
  ASSERT_TRUE(result.status.ok()) << result.status.error_message();
  nbo::v1::RecordTransactionsResponse response;
  ASSERT_TRUE(response.ParseFromString(result.response));
  EXPECT_EQ(response.accepted(), 8);
}

TEST_F(ClientStreamTest, CorruptPublishMessageFailsAndFreesTheVersion) {
  Start();
  TestModel model;
  std::vector<std::string> raw = Serialize(model.Stream());
  raw.insert(raw.begin() + 2, kGarbage);  // After the header and the items.
  RawResult result = CallRaw(channel_.get(), kPublishModel, raw);
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(
      result.status.error_message(),
      MatchesRegex("message 2 of the stream is not a valid "
                   "nbo.v1.PublishModelRequest; nothing was published "
                   "\\(2 messages, [0-9]+ bytes received before it\\)"));
  EXPECT_TRUE(Publish(model.Stream()).ok());
}

TEST_F(ClientStreamTest, FailedPublishFreesItsVersionAtOnce) {
  Start();
  TestModel model;
  Stream bad = model.Stream();
  bad[2].mutable_customer_factors()->mutable_rows(0)->add_values(1.0f);
  EXPECT_THAT(Publish(bad), StatusIs(absl::StatusCode::kInvalidArgument));
  Stream no_commit = model.Stream();
  no_commit.pop_back();
  EXPECT_THAT(Publish(no_commit),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_TRUE(Publish(model.Stream()).ok());
}

// A publish that has sent `sent` messages of `model`'s stream and waits.
struct OpenPublish {
  grpc::ClientContext context;
  nbo::v1::PublishModelResponse response;
  std::unique_ptr<grpc::ClientWriter<nbo::v1::PublishModelRequest>> writer;
};

std::unique_ptr<OpenPublish> Open(nbo::v1::ModelService::Stub* stub,
                                  const Stream& stream, size_t sent) {
  auto open = std::make_unique<OpenPublish>();
  open->writer = stub->PublishModel(&open->context, &open->response);
  for (size_t i = 0; i < sent; ++i) EXPECT_TRUE(open->writer->Write(stream[i]));
  // The server sends initial metadata once it has admitted the stream.
  open->writer->WaitForInitialMetadata();
  return open;
}

TEST_F(ClientStreamTest, PublishesBeyondTheLimitAreRefused) {
  NboServer::Options options;
  options.max_concurrent_publishes = 2;
  Start(options);
  TestModel v1, v2, v3;
  v2.version = 2;
  v3.version = 3;
  std::unique_ptr<OpenPublish> first = Open(models_.get(), v1.Stream(), 1);
  std::unique_ptr<OpenPublish> second = Open(models_.get(), v2.Stream(), 1);
  const absl::Status third = Publish(v3.Stream());
  EXPECT_EQ(third.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(third.message(),
            "2 publishes are in progress, the most this server takes at once "
            "(--max_concurrent_publishes); retry when one has finished");

  // The first finishes: its place is free by the time it is answered.
  const Stream rest = v1.Stream();
  for (size_t i = 1; i < rest.size(); ++i) {
    ASSERT_TRUE(first->writer->Write(rest[i]));
  }
  first->writer->WritesDone();
  ASSERT_TRUE(first->writer->Finish().ok());
  EXPECT_TRUE(Publish(v3.Stream()).ok());
  second->context.TryCancel();
  EXPECT_EQ(second->writer->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(ClientStreamTest, IdlePublishIsAbortedAndItsVersionFreed) {
  NboServer::Options options;
  options.publish_idle_timeout = absl::Milliseconds(200);
  options.max_concurrent_publishes = 1;
  Start(options);
  TestModel model;
  // Header and item factors written, then nothing.
  std::unique_ptr<OpenPublish> idle = Open(models_.get(), model.Stream(), 2);
  grpc::Status status = idle->writer->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_THAT(status.error_message(),
              MatchesRegex("publish idle timeout \\(--publish_idle_timeout\\): "
                           "no message for 200ms \\(2 had arrived\\); nothing "
                           "was published \\(2 messages, [0-9]+ bytes "
                           "received before it\\)"));
  // Both its place and its version number are free.
  EXPECT_TRUE(Publish(model.Stream()).ok());
}

TEST_F(ClientStreamTest, PublishThatDoesNotFitIsRefusedBeforeWriting) {
  NboServer::Options options;
  options.free_bytes = []() -> absl::StatusOr<uint64_t> {
    return uint64_t{1} << 20;
  };
  Start(options);
  const absl::Status status = Publish(TestModel().Stream());
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(status.message()),
              MatchesRegex("storage full: version needs about 6[4-9] MiB, "
                           "1 MiB free"));
}

TEST_F(ClientStreamTest, PublishLimitsMustBePositive) {
  NboServer::Options options;
  options.data_dir = dir_.Sub("db");
  options.grpc_addr = "127.0.0.1:0";
  options.metrics_addr = "";
  options.max_concurrent_publishes = 0;
  EXPECT_EQ(NboServer::Start(options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options.max_concurrent_publishes = 1;
  options.publish_idle_timeout = absl::ZeroDuration();
  EXPECT_EQ(NboServer::Start(options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace nbo::server
