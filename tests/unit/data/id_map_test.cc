// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/data/id_map.h"

#include <cstdio>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"

namespace nbo::data {
namespace {

using ::nbo::testing::StatusIs;
using ::nbo::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::Pointee;

std::string WriteFile(const TempDir& dir, const std::string& contents) {
  const std::string path = dir.Sub("id_map.csv");
  std::FILE* file = std::fopen(path.c_str(), "wb");
  EXPECT_NE(file, nullptr);
  std::fwrite(contents.data(), 1, contents.size(), file);
  std::fclose(file);
  return path;
}

TEST(IdMapTest, ReadsSparkIdsToCustomerIds) {
  TempDir dir;
  const std::string path = WriteFile(
      dir, "customer_id,spark_id,segment\nC0000001,0,a\n\"C,2\", 17 ,b\n");
  ASSERT_OK_AND_ASSIGN(IdMap map, IdMap::ReadCsv(path));
  EXPECT_EQ(map.size(), 2u);
  EXPECT_EQ(map.path(), path);
  EXPECT_THAT(map.Find(0), Pointee(std::string("C0000001")));
  EXPECT_THAT(map.Find(17), Pointee(std::string("C,2")));
  EXPECT_EQ(map.Find(1), nullptr);
}

TEST(IdMapTest, StrictErrorsNameFileAndLine) {
  struct Case {
    const char* contents;
    const char* message;
  };
  const Case cases[] = {
      {"", ":1: empty file"},
      {"spark_id,id\n0,C1\n", ":1: header lacks column 'customer_id'"},
      {"user,customer_id\n0,C1\n", ":1: header lacks column 'spark_id'"},
      {"spark_id,customer_id\n0,C1\nx1,C2\n",
       ":3: spark_id 'x1' is not a 64-bit integer"},
      {"spark_id,customer_id\n1.5,C2\n",
       ":2: spark_id '1.5' is not a 64-bit integer"},
      {"spark_id,customer_id\n0,\n", ":2: empty customer_id"},
      {"spark_id,customer_id\n0,C1\n1,C2\n0,C3\n", ":4: duplicate spark_id 0"},
      {"spark_id,customer_id\n0,C1,extra\n",
       ":2: row has 3 fields but the header has 2"},
  };
  for (const Case& c : cases) {
    TempDir dir;
    const std::string path = WriteFile(dir, c.contents);
    EXPECT_THAT(IdMap::ReadCsv(path),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr(path + c.message)))
        << c.contents;
  }
}

TEST(IdMapTest, MissingFileIsNotFound) {
  TempDir dir;
  EXPECT_THAT(IdMap::ReadCsv(dir.Sub("none.csv")),
              StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace nbo::data
