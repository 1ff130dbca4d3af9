// Copyright (c) 2026 The nbo Authors. MIT License.

#include "services/common/server_reflection.h"

#include <algorithm>
#include <string>
#include <vector>

#include "grpcpp/ext/proto_server_reflection_plugin.h"

namespace nbo::services {
namespace {

class ReflectionOption : public grpc::ServerBuilderOption {
 public:
  explicit ReflectionOption(bool enabled) : enabled_(enabled) {}

  void UpdateArguments(grpc::ChannelArguments* /*args*/) override {}

  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>*
                         plugins) override {
    auto plugin =
        std::make_unique<grpc::reflection::ProtoServerReflectionPlugin>();
    const std::string name = plugin->name();
    plugins->erase(
        std::remove_if(plugins->begin(), plugins->end(),
                       [&name](const auto& p) { return p->name() == name; }),
        plugins->end());
    if (enabled_) plugins->push_back(std::move(plugin));
  }

 private:
  const bool enabled_;
};

}  // namespace

std::unique_ptr<grpc::ServerBuilderOption> ServerReflectionOption(
    bool enabled) {
  return std::make_unique<ReflectionOption>(enabled);
}

}  // namespace nbo::services
