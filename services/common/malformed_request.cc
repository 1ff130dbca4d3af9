// Copyright (c) 2026 The nbo Authors. MIT License.

#include "services/common/malformed_request.h"

#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "grpcpp/support/status.h"

namespace nbo::services {
namespace {

using grpc::experimental::InterceptionHookPoints;

// Whether gRPC itself answered because the request did not parse.
bool IsParseFailure(const grpc::Status& status) {
  return status.error_message().empty() &&
         (status.error_code() == grpc::StatusCode::UNIMPLEMENTED ||
          status.error_code() == grpc::StatusCode::INTERNAL);
}

class MalformedRequestInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit MalformedRequestInterceptor(const std::string* request_type)
      : request_type_(request_type) {}

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS) &&
        IsParseFailure(methods->GetSendStatus())) {
      methods->ModifySendStatus(grpc::Status(
          grpc::StatusCode::INVALID_ARGUMENT,
          absl::StrCat("request is not a valid ", *request_type_, " message")));
    }
    methods->Proceed();
  }

 private:
  const std::string* request_type_;  // owned by the factory
};

class Factory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit Factory(const std::vector<std::string>& services) {
    const google::protobuf::DescriptorPool* pool =
        google::protobuf::DescriptorPool::generated_pool();
    for (const std::string& name : services) {
      const google::protobuf::ServiceDescriptor* service =
          pool->FindServiceByName(name);
      if (service == nullptr) continue;
      for (int i = 0; i < service->method_count(); ++i) {
        const google::protobuf::MethodDescriptor* m = service->method(i);
        if (m->client_streaming()) continue;  // they parse their own bytes
        request_types_.emplace(absl::StrCat("/", name, "/", m->name()),
                               m->input_type()->full_name());
      }
    }
  }

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    auto it = request_types_.find(info->method());
    if (it == request_types_.end()) return nullptr;
    return new MalformedRequestInterceptor(&it->second);
  }

 private:
  // "/nbo.v1.NBOService/Recommend" -> "nbo.v1.RecommendRequest".
  std::map<std::string, std::string, std::less<>> request_types_;
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MalformedRequestInterceptorFactory(std::vector<std::string> services) {
  return std::make_unique<Factory>(services);
}

}  // namespace nbo::services
