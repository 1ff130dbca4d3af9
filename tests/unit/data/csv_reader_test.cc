// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/data/csv_reader.h"

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"

namespace nbo::data {
namespace {

using ::nbo::testing::StatusIs;
using ::nbo::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string WriteFile(const TempDir& dir, const std::string& contents) {
  const std::string path = dir.Sub("data.csv");
  std::FILE* file = std::fopen(path.c_str(), "wb");
  EXPECT_NE(file, nullptr);
  std::fwrite(contents.data(), 1, contents.size(), file);
  std::fclose(file);
  return path;
}

TEST(CsvReaderTest, ReadsQuotedFieldsAndCountsLinesAcrossThem) {
  TempDir dir;
  const std::string path =
      WriteFile(dir,
                "\xEF\xBB\xBF"
                "a,b,c\r\n"
                "\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\n"
                "\n"
                ",,\n"
                "last,\"\",z");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<CsvReader> reader,
                       CsvReader::Open(path));
  std::vector<std::string> fields;
  ASSERT_OK_AND_ASSIGN(bool more, reader->Next(&fields));
  ASSERT_TRUE(more);
  EXPECT_THAT(fields, ElementsAre("a", "b", "c"));
  EXPECT_EQ(reader->line(), 1);
  ASSERT_OK_AND_ASSIGN(more, reader->Next(&fields));
  ASSERT_TRUE(more);
  EXPECT_THAT(fields, ElementsAre("x, y", "say \"hi\"", "two\nlines"));
  EXPECT_EQ(reader->line(), 2);
  ASSERT_OK_AND_ASSIGN(more, reader->Next(&fields));
  ASSERT_TRUE(more);
  EXPECT_THAT(fields, ElementsAre("", "", ""));
  EXPECT_EQ(reader->line(), 5);  // The quoted line break and a blank line.
  ASSERT_OK_AND_ASSIGN(more, reader->Next(&fields));
  ASSERT_TRUE(more);
  EXPECT_THAT(fields, ElementsAre("last", "", "z"));
  EXPECT_EQ(reader->Where(), path + ":6");
  ASSERT_OK_AND_ASSIGN(more, reader->Next(&fields));
  EXPECT_FALSE(more);
}

TEST(CsvReaderTest, AppendCsvFieldRoundTrips) {
  TempDir dir;
  const std::vector<std::string> values = {"plain",       "a,b",      "q\"uote",
                                           "line\nbreak", " padded ", ""};
  std::string contents;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) contents += ',';
    AppendCsvField(values[i], &contents);
  }
  contents += '\n';
  const std::string path = WriteFile(dir, contents);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<CsvReader> reader,
                       CsvReader::Open(path));
  std::vector<std::string> fields;
  ASSERT_OK_AND_ASSIGN(bool more, reader->Next(&fields));
  ASSERT_TRUE(more);
  EXPECT_EQ(fields, values);
}

TEST(CsvReaderTest, MalformedRecordsAreInvalidArgumentWithTheLine) {
  struct Case {
    const char* contents;
    const char* message;
  };
  const Case cases[] = {
      {"a,b\n\"open,x\n", ":2: unterminated quoted field"},
      {"a,b\nab\"c,d\n", ":2: quote inside an unquoted field"},
      {"a,b\n\"ab\"c,d\n",
       ":2: unexpected character 'c' after a closing quote"},
      {"a,b\rc,d\n", ":1: carriage return not followed by line feed"},
      {"a,b\n1,2\n1,2,3\n", ":3: row has 3 fields but the header has 2"},
      {"a,b,c\n\"x,y\",z\n", ":2: row has 2 fields but the header has 3"},
  };
  for (const Case& c : cases) {
    TempDir dir;
    const std::string path = WriteFile(dir, c.contents);
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<CsvReader> reader,
                         CsvReader::Open(path));
    std::vector<std::string> fields;
    absl::StatusOr<bool> more = reader->Next(&fields);
    while (more.ok() && *more) more = reader->Next(&fields);
    EXPECT_THAT(more, StatusIs(absl::StatusCode::kInvalidArgument,
                               HasSubstr(path + c.message)))
        << c.contents;
  }
}

TEST(CsvReaderTest, MissingFileIsNotFound) {
  TempDir dir;
  EXPECT_THAT(CsvReader::Open(dir.Sub("missing.csv")),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(
      CsvReader::Open(dir.path()),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a file")));
}

}  // namespace
}  // namespace nbo::data
