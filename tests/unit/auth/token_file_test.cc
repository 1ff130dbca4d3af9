// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/auth/token_file.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"

namespace nbo::auth {
namespace {

using ::nbo::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

std::string HexOf(const TokenHash& hash) {
  std::string out;
  for (uint8_t b : hash) absl::StrAppend(&out, absl::Hex(b, absl::kZeroPad2));
  return out;
}

std::string Line(absl::string_view name, absl::string_view roles,
                 absl::string_view token) {
  std::string line = TokenFileLine(name, roles, token);
  line.pop_back();  // the '\n'
  return line;
}

TEST(HashTokenTest, IsSha256OfTheTokenBytes) {
  EXPECT_EQ(HexOf(HashToken("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HexOf(HashToken("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(TokenFileLineTest, IsNameRolesAndTheHashInHex) {
  EXPECT_EQ(
      TokenFileLine("desk", "read,act", "abc"),
      "desk read,act "
      "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
      "\n");
}

TEST(ParseTokenFileTest, ReadsNamesRolesAndHashes) {
  const std::string contents = absl::StrCat(
      "# tokens of the demo\n", "\n", Line("desk", "act", "t1"), "\n", "  ",
      Line("etl", "ingest,read", "t2"), "   # the nightly load\r\n", "\t\n",
      Line("ops@bank", "admin,customer", "t3"));
  auto entries = ParseTokenFile(contents, "tokens");
  ASSERT_TRUE(entries.ok()) << entries.status();
  ASSERT_EQ(entries->size(), 3u);
  EXPECT_EQ((*entries)[0].name, "desk");
  EXPECT_EQ((*entries)[0].roles.ToString(), "act");
  EXPECT_EQ((*entries)[0].hash, HashToken("t1"));
  EXPECT_EQ((*entries)[1].name, "etl");
  EXPECT_EQ((*entries)[1].roles.ToString(), "read,ingest");
  EXPECT_EQ((*entries)[1].hash, HashToken("t2"));
  EXPECT_EQ((*entries)[2].name, "ops@bank");
  EXPECT_EQ((*entries)[2].roles.ToString(), "customer,admin");
}

TEST(ParseTokenFileTest, ListsRolesWithoutTheImpliedOnes) {
  auto entries = ParseTokenFile(Line("desk", "act", "t"), "f");
  ASSERT_TRUE(entries.ok()) << entries.status();
  EXPECT_FALSE((*entries)[0].roles.Has(Role::kRead));
  EXPECT_TRUE(RoleSet::WithImplied((*entries)[0].roles).Has(Role::kRead));
}

struct BadCase {
  const char* what;
  std::string contents;
  const char* message;
};

TEST(ParseTokenFileTest, RejectsEachMalformedLineNamingFileAndLine) {
  const std::string hash = absl::StrCat("sha256:", HexOf(HashToken("t")));
  const std::string upper = absl::AsciiStrToUpper(HexOf(HashToken("t")));
  const BadCase cases[] = {
      {"two fields", "# c\nname read\n",
       "tokens:2: expected 'NAME ROLE[,ROLE...] sha256:HEX', got 2 fields"},
      {"four fields", absl::StrCat("a read ", hash, " extra"),
       "tokens:1: expected 'NAME ROLE[,ROLE...] sha256:HEX', got 4 fields"},
      {"unknown role", absl::StrCat("a reed ", hash),
       "tokens:1: unknown role 'reed' (roles: read, act, ingest, customer, "
       "admin)"},
      {"role in capitals", absl::StrCat("a Admin ", hash),
       "tokens:1: unknown role 'Admin'"},
      {"empty role", absl::StrCat("a read,,act ", hash),
       "tokens:1: the role list has an empty entry"},
      {"trailing comma", absl::StrCat("a read, ", hash),
       "tokens:1: the role list has an empty entry"},
      {"bad name", absl::StrCat("a/b read ", hash),
       "tokens:1: the name 'a/b' has a character outside"},
      {"long name", absl::StrCat(std::string(65, 'n'), " read ", hash),
       "tokens:1: the name is longer than 64 bytes"},
      {"no prefix", absl::StrCat("a read ", HexOf(HashToken("t"))),
       "tokens:1: the third field must be 'sha256:'"},
      {"other algorithm", absl::StrCat("a read sha512:", HexOf(HashToken("t"))),
       "tokens:1: the third field must be"},
      {"short hex", absl::StrCat("a read ", hash.substr(0, hash.size() - 1)),
       "tokens:1: the third field must be"},
      {"upper-case hex", absl::StrCat("a read sha256:", upper),
       "tokens:1: the third field must be"},
      {"not hex", absl::StrCat("a read sha256:", std::string(64, 'g')),
       "tokens:1: the third field must be"},
      {"duplicate name",
       absl::StrCat(Line("a", "read", "t1"), "\n", Line("a", "act", "t2")),
       "tokens:2: the name 'a' is already used on line 1"},
      {"duplicate token",
       absl::StrCat(Line("a", "read", "t1"), "\n\n", Line("b", "act", "t1")),
       "tokens:3: the same token as line 1"},
      {"no tokens", "# only a comment\n\n", "tokens: no tokens"},
      {"empty", "", "tokens: no tokens"},
  };
  for (const BadCase& c : cases) {
    auto parsed = ParseTokenFile(c.contents, "tokens");
    EXPECT_THAT(parsed.status(), StatusIs(absl::StatusCode::kInvalidArgument))
        << c.what;
    EXPECT_THAT(std::string(parsed.status().message()), HasSubstr(c.message))
        << c.what;
  }
}

TEST(ParseTokenFileTest, NeverEchoesATokenPastedWhereItsHashBelongs) {
  const std::string secret = "tok_live_5f2a9c0e7d1b";
  auto parsed = ParseTokenFile(absl::StrCat("desk act ", secret), "tokens");
  EXPECT_THAT(parsed.status(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(parsed.status().message()), Not(HasSubstr("5f2a9c")));
  auto prefixed =
      ParseTokenFile(absl::StrCat("desk act sha256:", secret), "tokens");
  EXPECT_THAT(std::string(prefixed.status().message()),
              Not(HasSubstr("5f2a9c")));
}

TEST(ParseTokenFileTest, NeverEchoesAHash) {
  const std::string hex = HexOf(HashToken("t1"));
  auto parsed = ParseTokenFile(
      absl::StrCat("a read sha256:", hex, "\nb read sha256:", hex), "tokens");
  EXPECT_THAT(parsed.status(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(parsed.status().message()),
              Not(HasSubstr(hex.substr(0, 8))));
}

TEST(RoleTest, ParsesExactlyTheFiveRoles) {
  for (absl::string_view name :
       {"read", "act", "ingest", "customer", "admin"}) {
    auto role = ParseRole(name);
    ASSERT_TRUE(role.ok()) << name;
    EXPECT_EQ(RoleName(*role), name);
  }
  EXPECT_THAT(ParseRole("READ").status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseRole("").status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(RoleTest, ActAndAdminImplyReadAndNothingElse) {
  RoleSet act;
  act.Add(Role::kAct);
  EXPECT_EQ(RoleSet::WithImplied(act).ToString(), "read,act");
  RoleSet admin;
  admin.Add(Role::kAdmin);
  EXPECT_EQ(RoleSet::WithImplied(admin).ToString(), "read,admin");
  RoleSet ingest;
  ingest.Add(Role::kIngest);
  EXPECT_EQ(RoleSet::WithImplied(ingest).ToString(), "ingest");
  RoleSet customer;
  customer.Add(Role::kCustomer);
  EXPECT_EQ(RoleSet::WithImplied(customer).ToString(), "customer");
}

}  // namespace
}  // namespace nbo::auth
