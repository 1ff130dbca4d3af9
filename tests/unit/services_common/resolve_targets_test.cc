// Copyright (c) 2026 The nbo Authors. MIT License.
//
// ResolveTarget, ValidateServerTarget and IsOwnAddress on this host: names
// that resolve without a DNS server (IP literals, "localhost") and ones that
// cannot (the reserved .invalid domain).

#include "services/common/resolve_targets.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"

namespace nbo::services {
namespace {

using ::nbo::testing::IsOk;
using ::nbo::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ResolveTargetTest, DnsTargetsAreEveryAddressTheNameResolvesTo) {
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> plain,
                       ResolveTarget("nbo-0.peers:50051"));
  EXPECT_THAT(plain, ElementsAre("nbo-0.peers:50051"));
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> v4,
                       ResolveTarget("dns:///127.0.0.1:50051"));
  EXPECT_THAT(v4, ElementsAre("127.0.0.1:50051"));
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> v6,
                       ResolveTarget("dns:///[::1]:7"));
  EXPECT_THAT(v6, ElementsAre("[::1]:7"));
  for (const char* bad :
       {"dns:///peers", "dns:///peers:0", "dns:///peers:65536", "dns:///:50051",
        "dns:///a/b:1"}) {
    EXPECT_THAT(ResolveTarget(bad),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("want dns:///NAME:PORT")))
        << bad;
  }
  EXPECT_THAT(
      ResolveTarget("dns:///no-such-host.invalid:50051"),
      StatusIs(absl::StatusCode::kUnavailable, HasSubstr("does not resolve")));
}

// Over TLS, each address of a dns:/// target is checked against the name.
TEST(DnsTargetNameTest, IsWhatTheCertificateOfEachAddressMustName) {
  EXPECT_EQ(DnsTargetName("dns:///nbo-peers.bank.svc:50051"),
            "nbo-peers.bank.svc");
  EXPECT_EQ(DnsTargetName("dns:///[::1]:7"), "::1");
  EXPECT_EQ(DnsTargetName("nbo-0.peers:50051"), "");
}

TEST(ValidateServerTargetTest, TakesHostPortAndDnsAndRefusesTheRest) {
  for (const char* good : {"127.0.0.1:1", "nbo-0.peers:50051", "[::1]:65535",
                           "dns:///peers:50051", "dns:///[::1]:7"}) {
    EXPECT_THAT(ValidateServerTarget(good), IsOk()) << good;
  }
  for (const char* bad :
       {"", "peers", "peers:", "peers:0", "peers:65536", "peers:x", ":50051",
        "unix:/tmp/sock", "ipv4:127.0.0.1:1,127.0.0.1:2", "dns:///peers"}) {
    EXPECT_THAT(ValidateServerTarget(bad),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr(absl::StrCat("'", bad, "'"))))
        << bad;
  }
}

TEST(IsOwnAddressTest, LoopbackWithTheSamePortIsThisServer) {
  EXPECT_TRUE(IsOwnAddress("127.0.0.1:50051", 50051));
  EXPECT_FALSE(IsOwnAddress("127.0.0.1:50052", 50051));
  // TEST-NET-1 (RFC 5737) is never an interface address.
  EXPECT_FALSE(IsOwnAddress("192.0.2.1:50051", 50051));
  EXPECT_FALSE(IsOwnAddress("localhost:50051", 50051));
  EXPECT_FALSE(IsOwnAddress("no port", 50051));
}

}  // namespace
}  // namespace nbo::services
