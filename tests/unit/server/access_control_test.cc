// Copyright (c) 2026 The nbo Authors. MIT License.
//
// Bearer tokens by role on nbo-server, over real gRPC on loopback (port 0):
// the method table covers every method of every service the server
// registers (found through its own reflection service, so a new service is
// walked too), each role against each method with exact codes, open mode,
// health and reflection without a token, reflection off by option, a token
// file reloaded on change (and a bad one ignored), and the audit line of
// admin calls.

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/unknown_field_set.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "lib/auth/token_file.h"
#include "lib/common/file_util.h"
#include "lib/testing/temp_dir.h"
#include "nbo/v1/model_service.grpc.pb.h"
#include "nbo/v1/nbo_service.grpc.pb.h"
#include "nbo/v1/trainer_service.grpc.pb.h"
#include "nbo/v1/trainer_service.pb.h"
#include "services/common/method_roles.h"
#include "services/nbo_server/server.h"
#include "tests/unit/server/test_server.h"

namespace nbo::server {
namespace {

using auth::Role;
using ::testing::HasSubstr;
using ::testing::Not;

struct RawResult {
  grpc::Status status;
  std::vector<std::string> responses;
};

// Calls `method` with `messages` as raw bytes (any kind of method: the
// generic call is a bidirectional stream), reads every response and returns
// the status. `token`, when not empty, goes as "authorization: Bearer".
RawResult CallRaw(grpc::Channel* channel, const std::string& method,
                  const std::string& token,
                  const std::vector<std::string>& messages = {""}) {
  grpc::GenericStub stub(channel->shared_from_this());
  grpc::CompletionQueue cq;
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  if (!token.empty()) {
    context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
  }
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call =
      stub.PrepareCall(&context, method, &cq);
  auto await = [&cq](intptr_t tag) {
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
  for (;;) {
    grpc::ByteBuffer response;
    call->Read(&response, reinterpret_cast<void*>(4));
    if (!await(4)) break;
    std::vector<grpc::Slice> slices;
    EXPECT_TRUE(response.Dump(&slices).ok());
    std::string bytes;
    for (const grpc::Slice& s : slices) {
      bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
    result.responses.push_back(std::move(bytes));
  }
  call->Finish(&result.status, reinterpret_cast<void*>(5));
  EXPECT_TRUE(await(5));
  cq.Shutdown();
  void* tag;
  bool ok;
  while (cq.Next(&tag, &ok)) {
  }
  return result;
}

constexpr char kReflection[] =
    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";
// ServerReflectionRequest{list_services: ""}: field 7, length 0.
const std::string kListServices("\x3a\x00", 2);

// The services a server registers, as its reflection service lists them.
std::vector<std::string> ListServices(grpc::Channel* channel) {
  RawResult listed = CallRaw(channel, kReflection, "", {kListServices});
  EXPECT_TRUE(listed.status.ok()) << listed.status.error_message();
  std::vector<std::string> names;
  for (const std::string& bytes : listed.responses) {
    google::protobuf::UnknownFieldSet response;
    EXPECT_TRUE(response.ParseFromString(bytes));
    for (int i = 0; i < response.field_count(); ++i) {
      // ServerReflectionResponse.list_services_response = 6, whose
      // repeated ServiceResponse service = 1 holds name = 1.
      if (response.field(i).number() != 6) continue;
      google::protobuf::UnknownFieldSet list;
      EXPECT_TRUE(list.ParseFromString(response.field(i).length_delimited()));
      for (int j = 0; j < list.field_count(); ++j) {
        google::protobuf::UnknownFieldSet service;
        EXPECT_TRUE(service.ParseFromString(list.field(j).length_delimited()));
        for (int k = 0; k < service.field_count(); ++k) {
          if (service.field(k).number() == 1) {
            names.push_back(service.field(k).length_delimited());
          }
        }
      }
    }
  }
  return names;
}

std::string HashLine(const std::string& name, const std::string& roles,
                     const std::string& token) {
  return auth::TokenFileLine(name, roles, token);
}

// One token per role, and one with two.
const std::map<std::string, std::string> kRoleTokens = {
    {"read", "t-read"},         {"act", "t-act"},     {"ingest", "t-ingest"},
    {"customer", "t-customer"}, {"admin", "t-admin"},
};

std::string AllRolesFile() {
  std::string file = "# one token per role\n";
  for (const auto& [role, token] : kRoleTokens) {
    absl::StrAppend(&file, HashLine(absl::StrCat("app-", role), role, token));
  }
  return file;
}

// Whether a token holding only `held` may call a method needing `needed`.
bool Grants(const std::string& held, Role needed) {
  if (held == auth::RoleName(needed)) return true;
  return needed == Role::kRead && (held == "act" || held == "admin");
}

bool IsAccessCode(grpc::StatusCode code) {
  return code == grpc::StatusCode::UNAUTHENTICATED ||
         code == grpc::StatusCode::PERMISSION_DENIED;
}

class AccessControlTest : public ::testing::Test {
 protected:
  void Start(NboServer::Options options) {
    options.audit = [this](const std::string& line) {
      absl::MutexLock lock(&mu_);
      audit_.push_back(line);
    };
    auto started = testing::StartTestServer(options, dir_);
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = *std::move(started);
    channel_ =
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->grpc_port()),
                            grpc::InsecureChannelCredentials());
  }

  void StartWithFile(const std::string& contents) {
    ASSERT_TRUE(common::WriteFileAtomically(tokens_, contents).ok());
    NboServer::Options options;
    options.tokens_file = tokens_;
    options.tokens_reload_interval = absl::ZeroDuration();
    Start(options);
  }

  // Every method of every nbo service the server registers.
  std::vector<std::string> RegisteredMethods() {
    std::vector<std::string> methods;
    for (const std::string& name : ListServices(channel_.get())) {
      if (absl::StartsWith(name, "grpc.")) continue;
      const google::protobuf::ServiceDescriptor* service =
          google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
              name);
      EXPECT_NE(service, nullptr) << name;
      if (service == nullptr) continue;
      for (int i = 0; i < service->method_count(); ++i) {
        methods.push_back(
            absl::StrCat("/", name, "/", service->method(i)->name()));
      }
    }
    return methods;
  }

  std::vector<std::string> audit() {
    absl::MutexLock lock(&mu_);
    return audit_;
  }

  nbo::testing::TempDir dir_;
  const std::string tokens_ = dir_.Sub("tokens");
  std::unique_ptr<NboServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  absl::Mutex mu_;
  std::vector<std::string> audit_ ABSL_GUARDED_BY(mu_);
};

TEST_F(AccessControlTest, EveryMethodOfEveryRegisteredServiceHasARole) {
  StartWithFile(AllRolesFile());
  const std::vector<std::string> methods = RegisteredMethods();
  std::set<std::string> services;
  for (const std::string& m : methods) {
    services.insert(m.substr(1, m.rfind('/') - 1));
    EXPECT_TRUE(services::RequiredRole(m).has_value())
        << m << " is missing from services/common/method_roles.cc";
  }
  EXPECT_EQ(services,
            (std::set<std::string>{"nbo.v1.NBOService", "nbo.v1.ModelService",
                                   "nbo.v1.IngestService"}));
  EXPECT_GE(methods.size(), 20u);
}

// TrainerService's descriptor. Naming one of its messages links its file
// into this test, which nbo-server itself does not use.
const google::protobuf::ServiceDescriptor* TrainerService() {
  return nbo::v1::StartTrainingRequest::descriptor()->file()->FindServiceByName(
      "TrainerService");
}

TEST(MethodRolesTest, EveryTrainerServiceMethodHasARole) {
  const google::protobuf::ServiceDescriptor* service = TrainerService();
  ASSERT_NE(service, nullptr);
  for (int i = 0; i < service->method_count(); ++i) {
    const std::string method = absl::StrCat("/", service->full_name(), "/",
                                            service->method(i)->name());
    EXPECT_EQ(services::RequiredRole(method), Role::kAdmin) << method;
  }
}

TEST(MethodRolesTest, EveryRowNamesAnExistingMethod) {
  ASSERT_NE(TrainerService(), nullptr);
  for (const services::MethodRole& row : services::MethodRoles()) {
    const std::string method(row.method);
    const size_t slash = method.rfind('/');
    ASSERT_NE(slash, std::string::npos) << method;
    const google::protobuf::ServiceDescriptor* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
            method.substr(1, slash - 1));
    ASSERT_NE(service, nullptr) << method;
    EXPECT_NE(service->FindMethodByName(method.substr(slash + 1)), nullptr)
        << method;
  }
}

TEST(MethodRolesTest, RolesAreTheOnesIssue14Lists) {
  const std::map<std::string, Role> expected = {
      {"/nbo.v1.NBOService/Recommend", Role::kRead},
      {"/nbo.v1.NBOService/BatchRecommend", Role::kRead},
      {"/nbo.v1.NBOService/SimilarProducts", Role::kRead},
      {"/nbo.v1.NBOService/RecordFeedback", Role::kAct},
      {"/nbo.v1.NBOService/GetCustomer", Role::kCustomer},
      {"/nbo.v1.NBOService/ListCustomers", Role::kCustomer},
      {"/nbo.v1.IngestService/UpsertCustomers", Role::kIngest},
      {"/nbo.v1.IngestService/RecordTransactions", Role::kIngest},
      {"/nbo.v1.IngestService/StreamTransactions", Role::kIngest},
      {"/nbo.v1.ModelService/PublishModel", Role::kAdmin},
      {"/nbo.v1.ModelService/SetVersionLabel", Role::kAdmin},
      {"/nbo.v1.ModelService/SetTrafficSplit", Role::kAdmin},
      {"/nbo.v1.ModelService/DeleteVersion", Role::kAdmin},
      {"/nbo.v1.ModelService/UpdateCatalog", Role::kAdmin},
      {"/nbo.v1.ModelService/SetLevers", Role::kAdmin},
      {"/nbo.v1.ModelService/ExportModel", Role::kAdmin},
      {"/nbo.v1.ModelService/ScoreCustomer", Role::kAdmin},
      {"/nbo.v1.ModelService/ExportFeedback", Role::kAdmin},
      {"/nbo.v1.ModelService/ListModels", Role::kRead},
      {"/nbo.v1.ModelService/GetModelStatus", Role::kRead},
  };
  for (const auto& [method, role] : expected) {
    EXPECT_EQ(services::RequiredRole(method), role) << method;
  }
  EXPECT_FALSE(services::RequiredRole("/nbo.v1.NBOService/Nope").has_value());
}

// Every registered method, called with no token, an unknown token, a
// malformed header and each role's token: the exact access code, or (when
// the role grants it) whatever the handler says of an empty request, which
// is never an access code.
TEST_F(AccessControlTest, EachRoleAgainstEveryMethod) {
  StartWithFile(AllRolesFile());
  const std::vector<std::string> methods = RegisteredMethods();
  ASSERT_FALSE(methods.empty());
  for (const std::string& method : methods) {
    const Role needed = *services::RequiredRole(method);
    RawResult none = CallRaw(channel_.get(), method, "");
    EXPECT_EQ(none.status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << method;
    EXPECT_EQ(none.status.error_message(),
              "this RPC needs 'authorization: Bearer <token>'");
    RawResult unknown = CallRaw(channel_.get(), method, "t-nobody");
    EXPECT_EQ(unknown.status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << method;
    EXPECT_THAT(unknown.status.error_message(), Not(HasSubstr("t-nobody")));
    for (const auto& [role, token] : kRoleTokens) {
      RawResult got = CallRaw(channel_.get(), method, token);
      if (Grants(role, needed)) {
        EXPECT_FALSE(IsAccessCode(got.status.error_code()))
            << method << " with role " << role << ": "
            << got.status.error_message();
      } else {
        EXPECT_EQ(got.status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
            << method << " with role " << role;
        EXPECT_EQ(got.status.error_message(),
                  absl::StrCat("this RPC needs a token with role '",
                               auth::RoleName(needed), "'"))
            << method;
        EXPECT_THAT(got.status.error_message(), Not(HasSubstr(token)));
      }
    }
  }
}

TEST_F(AccessControlTest, TheSchemeMustBeBearer) {
  StartWithFile(AllRolesFile());
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Basic t-read");
  auto stub = nbo::v1::ModelService::NewStub(channel_);
  nbo::v1::ListModelsResponse response;
  EXPECT_EQ(stub->ListModels(&context, {}, &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  grpc::ClientContext lower;
  lower.AddMetadata("authorization", "bearer t-read");
  EXPECT_TRUE(stub->ListModels(&lower, {}, &response).ok());
}

TEST_F(AccessControlTest, OpenModeLetsEveryCallInWithoutAToken) {
  Start({});
  EXPECT_TRUE(server_->open_access());
  const std::vector<std::string> methods = RegisteredMethods();
  ASSERT_GE(methods.size(), 20u);
  for (const std::string& method : methods) {
    RawResult got = CallRaw(channel_.get(), method, "");
    EXPECT_FALSE(IsAccessCode(got.status.error_code()))
        << method << ": " << got.status.error_message();
  }
}

TEST_F(AccessControlTest, AdminTokenAloneClosesEveryRpc) {
  NboServer::Options options;
  options.admin_token = "s3cret";
  Start(options);
  EXPECT_FALSE(server_->open_access());
  EXPECT_EQ(CallRaw(channel_.get(), "/nbo.v1.NBOService/Recommend", "")
                .status.error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  // admin implies read, and nothing that reads personal data.
  EXPECT_FALSE(IsAccessCode(
      CallRaw(channel_.get(), "/nbo.v1.NBOService/Recommend", "s3cret")
          .status.error_code()));
  EXPECT_EQ(CallRaw(channel_.get(), "/nbo.v1.NBOService/GetCustomer", "s3cret")
                .status.error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(AccessControlTest, HealthAndReflectionNeedNoToken) {
  StartWithFile(AllRolesFile());
  auto health = grpc::health::v1::Health::NewStub(channel_);
  grpc::ClientContext context;
  grpc::health::v1::HealthCheckResponse response;
  EXPECT_TRUE(health->Check(&context, {}, &response).ok());
  EXPECT_TRUE(
      CallRaw(channel_.get(), kReflection, "", {kListServices}).status.ok());
}

TEST_F(AccessControlTest, ReflectionCanBeTurnedOff) {
  NboServer::Options options;
  options.reflection = false;
  Start(options);
  EXPECT_EQ(CallRaw(channel_.get(), kReflection, "", {kListServices})
                .status.error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
}

TEST_F(AccessControlTest, AChangedTokenFileIsUsedAndABadOneIgnored) {
  StartWithFile(HashLine("desk", "act", "t-old"));
  const std::string method = "/nbo.v1.ModelService/ListModels";
  ASSERT_TRUE(CallRaw(channel_.get(), method, "t-old").status.ok());
  ASSERT_TRUE(
      common::WriteFileAtomically(tokens_, HashLine("desk", "read", "t-new"))
          .ok());
  EXPECT_TRUE(CallRaw(channel_.get(), method, "t-new").status.ok());
  EXPECT_EQ(CallRaw(channel_.get(), method, "t-old").status.error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  ASSERT_TRUE(
      common::WriteFileAtomically(tokens_, "desk read t-in-the-clear\n").ok());
  EXPECT_TRUE(CallRaw(channel_.get(), method, "t-new").status.ok());
  EXPECT_EQ(
      CallRaw(channel_.get(), method, "t-in-the-clear").status.error_code(),
      grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(AccessControlTest, StartFailsOnABadTokenFile) {
  ASSERT_TRUE(common::WriteFileAtomically(tokens_, "desk reed x\n").ok());
  NboServer::Options options;
  options.tokens_file = tokens_;
  auto started = testing::StartTestServer(options, dir_);
  EXPECT_EQ(started.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(started.status().message()),
              HasSubstr(absl::StrCat(tokens_, ":1: ")));
}

TEST_F(AccessControlTest, AdminCallsLeaveOneAuditLineWithNameMethodAndCode) {
  StartWithFile(AllRolesFile());
  // Not an admin method: no line.
  ASSERT_TRUE(
      CallRaw(channel_.get(), "/nbo.v1.ModelService/ListModels", "t-read")
          .status.ok());
  EXPECT_TRUE(audit().empty());

  nbo::v1::ScoreCustomerRequest score;
  score.set_customer_id("C0000042");
  RawResult denied =
      CallRaw(channel_.get(), "/nbo.v1.ModelService/ScoreCustomer", "t-read",
              {score.SerializeAsString()});
  ASSERT_EQ(denied.status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  RawResult done = CallRaw(channel_.get(), "/nbo.v1.ModelService/ScoreCustomer",
                           "t-admin", {score.SerializeAsString()});
  RawResult anonymous =
      CallRaw(channel_.get(), "/nbo.v1.ModelService/DeleteVersion", "");

  const std::vector<std::string> lines = audit();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_THAT(lines[0],
              ::testing::MatchesRegex(
                  "nbo: audit time=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z "
                  "token=app-read method=/nbo.v1.ModelService/ScoreCustomer "
                  "code=PERMISSION_DENIED"));
  EXPECT_THAT(lines[1],
              HasSubstr(absl::StrCat(
                  "token=app-admin method=/nbo.v1.ModelService/ScoreCustomer "
                  "code=",
                  absl::StatusCodeToString(static_cast<absl::StatusCode>(
                      done.status.error_code())))));
  EXPECT_THAT(lines[2],
              HasSubstr("token=- method=/nbo.v1.ModelService/DeleteVersion "
                        "code=UNAUTHENTICATED"));
  for (const std::string& line : lines) {
    EXPECT_THAT(line, Not(HasSubstr("C0000042")));
    EXPECT_THAT(line, Not(HasSubstr("t-admin")));
  }
}

}  // namespace
}  // namespace nbo::server
