// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/data/spark_factor_reader.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/data/factor_row.h"
#include "lib/data/id_map.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"

namespace nbo::data {
namespace {

using ::nbo::testing::IsOk;
using ::nbo::testing::StatusIs;
using ::nbo::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::FloatEq;
using ::testing::HasSubstr;

void WriteFile(const std::string& path, const std::string& contents) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr) << path;
  ASSERT_EQ(std::fwrite(contents.data(), 1, contents.size(), file),
            contents.size());
  ASSERT_EQ(std::fclose(file), 0);
}

// Reads every row of `path`, or returns the first error.
absl::StatusOr<std::vector<FactorRow>> ReadAll(
    const std::string& path, const SparkFactorReader::Options& options = {}) {
  absl::StatusOr<std::unique_ptr<SparkFactorReader>> reader =
      SparkFactorReader::Open(path, options);
  if (!reader.ok()) return reader.status();
  std::vector<FactorRow> rows;
  FactorRow row;
  for (;;) {
    absl::StatusOr<bool> more = (*reader)->Next(&row);
    if (!more.ok()) return more.status();
    if (!*more) return rows;
    rows.push_back(row);
  }
}

std::vector<std::string> Ids(const std::vector<FactorRow>& rows) {
  std::vector<std::string> ids;
  for (const FactorRow& row : rows) ids.push_back(row.id);
  return ids;
}

TEST(SparkFactorReaderTest, ReadsIntegerIdsAsSparkWritesThem) {
  TempDir dir;
  const std::string path = dir.Sub("part-00000.json");
  WriteFile(path,
            "{\"id\":1,\"features\":[0.5,-1.25,3]}\n"
            "{\"id\":-7,\"features\":[1e-3,2.5E+2,0]}\n"
            "{\"id\":0,\"features\":[-0.0,1.0e0,-2]}\n");
  ASSERT_OK_AND_ASSIGN(std::vector<FactorRow> rows, ReadAll(path));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_THAT(Ids(rows), ElementsAre("1", "-7", "0"));
  EXPECT_THAT(rows[0].features, ElementsAre(0.5f, -1.25f, 3.0f));
  EXPECT_THAT(rows[1].features,
              ElementsAre(FloatEq(0.001f), FloatEq(250.0f), FloatEq(0.0f)));
  EXPECT_THAT(rows[2].features, ElementsAre(0.0f, 1.0f, -2.0f));
}

TEST(SparkFactorReaderTest, ReadsStringIdsWithEscapes) {
  TempDir dir;
  const std::string path = dir.Sub("rows.json");
  WriteFile(
      path,
      "{\"id\":\"C0000001\",\"features\":[1,2]}\n"
      "{\"id\":\"a\\\"b\\\\c\\/d\\u00e9\\ud83d\\ude00\",\"features\":[3,4]}"
      "\n");
  ASSERT_OK_AND_ASSIGN(std::vector<FactorRow> rows, ReadAll(path));
  EXPECT_THAT(Ids(rows),
              ElementsAre("C0000001", "a\"b\\c/d\xC3\xA9\xF0\x9F\x98\x80"));
  EXPECT_THAT(rows[1].features, ElementsAre(3.0f, 4.0f));
}

TEST(SparkFactorReaderTest, AcceptsAnyKeyOrderWhitespaceCrlfAndBlankLines) {
  TempDir dir;
  const std::string path = dir.Sub("rows.json");
  WriteFile(path,
            "  { \"features\" : [ 1 , 2e-1 ] , \"id\" : \"x\" }  \r\n"
            "\n"
            "   \r\n"
            "{\"id\":2,\"features\":[3,4]}");  // No final newline.
  ASSERT_OK_AND_ASSIGN(std::vector<FactorRow> rows, ReadAll(path));
  EXPECT_THAT(Ids(rows), ElementsAre("x", "2"));
  EXPECT_THAT(rows[0].features, ElementsAre(1.0f, FloatEq(0.2f)));
}

TEST(SparkFactorReaderTest, ReadsPartFilesInSortedOrderAndSkipsMetadata) {
  TempDir dir;
  const std::string factors = dir.Sub("userFactors");
  std::filesystem::create_directory(factors);
  WriteFile(factors + "/part-00001-abc-c000.json",
            "{\"id\":3,\"features\":[3]}\n{\"id\":4,\"features\":[4]}\n");
  WriteFile(factors + "/part-00000-abc-c000.json",
            "{\"id\":1,\"features\":[1]}\n{\"id\":2,\"features\":[2]}\n");
  // What Spark and Hadoop leave next to the data; none of it parses.
  WriteFile(factors + "/_SUCCESS", "");
  WriteFile(factors + "/._SUCCESS.crc", "crc garbage");
  WriteFile(factors + "/.part-00000-abc-c000.json.crc", "crc garbage");
  WriteFile(factors + "/part-00000-abc-c000.json.crc", "crc garbage");
  WriteFile(factors + "/_committed_123", "{}");
  std::filesystem::create_directory(factors + "/_temporary");

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SparkFactorReader> reader,
                       SparkFactorReader::Open(factors));
  EXPECT_EQ(reader->files().size(), 2u);
  std::vector<std::string> ids;
  FactorRow row;
  for (;;) {
    ASSERT_OK_AND_ASSIGN(bool more, reader->Next(&row));
    if (!more) break;
    ids.push_back(row.id);
    if (row.id == "3") {
      EXPECT_EQ(reader->Where(), factors + "/part-00001-abc-c000.json:1");
    }
  }
  EXPECT_THAT(ids, ElementsAre("1", "2", "3", "4"));
  EXPECT_EQ(reader->rows_read(), 4);
  EXPECT_EQ(reader->rank(), 1);
  EXPECT_EQ(reader->bytes_read(), reader->total_bytes());
  // The end is sticky.
  ASSERT_OK_AND_ASSIGN(bool more, reader->Next(&row));
  EXPECT_FALSE(more);
}

TEST(SparkFactorReaderTest, MissingPathIsNotFound) {
  TempDir dir;
  EXPECT_THAT(SparkFactorReader::Open(dir.Sub("nope")),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("nope")));
}

TEST(SparkFactorReaderTest, DirectoryWithoutPartFilesIsNotFound) {
  TempDir dir;
  WriteFile(dir.Sub("_SUCCESS"), "");
  EXPECT_THAT(
      SparkFactorReader::Open(dir.path()),
      StatusIs(absl::StatusCode::kNotFound, HasSubstr("no part files")));
}

TEST(SparkFactorReaderTest, CompressedPartFilesAreRejected) {
  TempDir dir;
  WriteFile(dir.Sub("part-00000-abc-c000.json.gz"), "\x1f\x8b");
  EXPECT_THAT(SparkFactorReader::Open(dir.path()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("compression=none")));
}

TEST(SparkFactorReaderTest, TranslatesIntegerIdsThroughTheIdMap) {
  TempDir dir;
  const std::string path = dir.Sub("rows.json");
  WriteFile(path,
            "{\"id\":0,\"features\":[1]}\n"
            "{\"id\":\"C-direct\",\"features\":[2]}\n"
            "{\"id\":1,\"features\":[3]}\n");
  IdMap map;
  ASSERT_TRUE(map.Insert(0, "C0000001"));
  ASSERT_TRUE(map.Insert(1, "C0000002"));
  SparkFactorReader::Options options;
  options.id_map = &map;
  ASSERT_OK_AND_ASSIGN(std::vector<FactorRow> rows, ReadAll(path, options));
  EXPECT_THAT(Ids(rows), ElementsAre("C0000001", "C-direct", "C0000002"));
}

TEST(SparkFactorReaderTest, IntegerIdMissingFromTheIdMapIsInvalidArgument) {
  TempDir dir;
  const std::string path = dir.Sub("rows.json");
  WriteFile(path, "{\"id\":0,\"features\":[1]}\n{\"id\":5,\"features\":[2]}\n");
  IdMap map;
  ASSERT_TRUE(map.Insert(0, "C0000001"));
  SparkFactorReader::Options options;
  options.id_map = &map;
  EXPECT_THAT(ReadAll(path, options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(path + ":2: id 5 is not in the id map")));
}

TEST(SparkFactorReaderTest, ExpectedRankIsEnforcedFromTheFirstRow) {
  TempDir dir;
  const std::string path = dir.Sub("rows.json");
  WriteFile(path, "{\"id\":1,\"features\":[1,2]}\n");
  SparkFactorReader::Options options;
  options.expected_rank = 3;
  EXPECT_THAT(ReadAll(path, options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(path + ":1: row has 2 features, expected 3")));
  options.expected_rank_origin = "the rank of itemFactors";
  EXPECT_THAT(
      ReadAll(path, options),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr(path + ":1: row has 2 features, expected 3 (the "
                                "rank of itemFactors)")));
}

TEST(SparkFactorReaderTest, InconsistentRankNamesTheRowThatSetIt) {
  TempDir dir;
  const std::string path = dir.Sub("rows.json");
  WriteFile(path,
            "{\"id\":1,\"features\":[1,2]}\n{\"id\":2,\"features\":[1,2]}\n"
            "{\"id\":3,\"features\":[1,2,3]}\n");
  EXPECT_THAT(ReadAll(path),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(absl::StrCat(
                           path,
                           ":3: row has 3 features, expected 2 (as in "
                           "the first row, ",
                           path, ":1)"))));
}

TEST(SparkFactorReaderTest, ErrorsAreSticky) {
  TempDir dir;
  const std::string path = dir.Sub("rows.json");
  WriteFile(path, "garbage\n{\"id\":2,\"features\":[1]}\n");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SparkFactorReader> reader,
                       SparkFactorReader::Open(path));
  FactorRow row;
  EXPECT_THAT(reader->Next(&row),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(":1:")));
  EXPECT_THAT(reader->Next(&row),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(":1:")));
}

TEST(SparkFactorReaderTest, LinesSpanningManyBufferFillsAreReassembled) {
  TempDir dir;
  const std::string path = dir.Sub("rows.json");
  // 200 rows of ~1.3 KB through a 4 KiB buffer, then one 20 KB row that
  // forces the buffer to grow.
  std::string contents;
  for (int i = 0; i < 200; ++i) {
    absl::StrAppend(&contents, "{\"id\":", i, ",\"features\":[");
    for (int k = 0; k < 100; ++k) {
      absl::StrAppend(&contents, k == 0 ? "" : ",", i, ".", k, "5");
    }
    contents += "]}\n";
  }
  absl::StrAppend(&contents, "{\"id\":\"", std::string(20000, 'x'),
                  "\",\"features\":[");
  for (int k = 0; k < 100; ++k)
    absl::StrAppend(&contents, k == 0 ? "" : ",", k);
  contents += "]}\n";
  WriteFile(path, contents);

  SparkFactorReader::Options options;
  options.buffer_bytes = 4096;
  ASSERT_OK_AND_ASSIGN(std::vector<FactorRow> rows, ReadAll(path, options));
  ASSERT_EQ(rows.size(), 201u);
  for (int i = 0; i < 200; ++i) {
    ASSERT_EQ(rows[i].id, absl::StrCat(i));
    ASSERT_EQ(rows[i].features.size(), 100u);
    EXPECT_FLOAT_EQ(rows[i].features[7], i + 0.75f);
  }
  EXPECT_EQ(rows[200].id.size(), 20000u);
  EXPECT_EQ(rows[200].features[99], 99.0f);
}

TEST(SparkFactorReaderTest, LineLongerThanTheLimitIsRejected) {
  TempDir dir;
  const std::string path = dir.Sub("rows.json");
  WriteFile(path, "{\"id\":1,\"features\":[1]}\n{\"id\":\"" +
                      std::string(10000, 'x') + "\",\"features\":[1]}\n");
  SparkFactorReader::Options options;
  options.buffer_bytes = 4096;
  options.max_line_bytes = 8192;
  EXPECT_THAT(ReadAll(path, options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(path + ":2: line longer than 8192 bytes")));
}

TEST(SparkFactorReaderTest, UnderflowRoundsTowardZeroLikeAnyParser) {
  TempDir dir;
  const std::string path = dir.Sub("rows.json");
  WriteFile(path, "{\"id\":1,\"features\":[1e-50,-1e-60]}\n");
  ASSERT_OK_AND_ASSIGN(std::vector<FactorRow> rows, ReadAll(path));
  EXPECT_THAT(rows[0].features, ElementsAre(0.0f, -0.0f));
}

TEST(SparkFactorReaderTest, ParsesNumbersExactlyAsFromChars) {
  // The reader converts most numbers on a fast path of its own; every
  // result must be the float std::from_chars gives, bit for bit, including
  // long mantissas and large exponents that take the slow path.
  TempDir dir;
  const std::string path = dir.Sub("rows.json");
  constexpr int kRank = 8;
  uint64_t state = 88172645463325252ull;
  auto next = [&state](uint64_t bound) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state % bound;
  };
  std::vector<std::string> numbers;
  while (numbers.size() < 40000) {
    std::string text = next(2) ? "-" : "";
    const uint64_t shape = next(10);
    if (shape == 0) {
      text += "0";
    } else {
      const int digits = shape == 1 ? 20 + next(10) : 1 + next(12);
      text += static_cast<char>('1' + next(9));
      for (int i = 1; i < digits; ++i)
        text += static_cast<char>('0' + next(10));
    }
    if (next(3) != 0) {
      text += '.';
      const int digits = next(4) == 0 ? 15 + next(15) : 1 + next(10);
      for (int i = 0; i < digits; ++i)
        text += static_cast<char>('0' + next(10));
    }
    if (next(3) == 0) {
      text += next(2) ? 'e' : 'E';
      const uint64_t sign = next(3);
      if (sign == 1) text += '-';
      if (sign == 2) text += '+';
      text += absl::StrCat(next(40));
    }
    float expected = 0;
    auto result = std::from_chars(text.data(), text.data() + text.size(),
                                  expected, std::chars_format::general);
    // Out of float range either way is another test's business.
    if (result.ec != std::errc() || !std::isnormal(expected)) continue;
    numbers.push_back(text);
  }
  std::string contents;
  for (size_t i = 0; i < numbers.size(); i += kRank) {
    absl::StrAppend(&contents, "{\"id\":", i, ",\"features\":[");
    for (int k = 0; k < kRank; ++k) {
      absl::StrAppend(&contents, k == 0 ? "" : ",", numbers[i + k]);
    }
    contents += "]}\n";
  }
  WriteFile(path, contents);
  ASSERT_OK_AND_ASSIGN(std::vector<FactorRow> rows, ReadAll(path));
  ASSERT_EQ(rows.size(), numbers.size() / kRank);
  int mismatches = 0;
  for (size_t i = 0; i < numbers.size(); ++i) {
    float expected = 0;
    std::from_chars(numbers[i].data(), numbers[i].data() + numbers[i].size(),
                    expected, std::chars_format::general);
    const float got = rows[i / kRank].features[i % kRank];
    if (std::memcmp(&got, &expected, sizeof(float)) != 0 && ++mismatches < 10) {
      ADD_FAILURE() << numbers[i] << " parsed as " << got
                    << ", from_chars says " << expected;
    }
  }
  EXPECT_EQ(mismatches, 0);
}

struct MalformedCase {
  const char* line;
  const char* reason;
};

void PrintTo(const MalformedCase& c, std::ostream* os) { *os << c.line; }

class SparkFactorReaderMalformedTest
    : public ::testing::TestWithParam<MalformedCase> {};

TEST_P(SparkFactorReaderMalformedTest, IsInvalidArgumentNamingFileAndLine) {
  TempDir dir;
  const std::string path = dir.Sub("part-00000.json");
  // A good first row, so that the error must name line 2.
  WriteFile(path, absl::StrCat("{\"id\":1,\"features\":[0.5,0.25]}\n",
                               GetParam().line, "\n"));
  EXPECT_THAT(
      ReadAll(path),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr(absl::StrCat(path, ":2: ", GetParam().reason))));
}

INSTANTIATE_TEST_SUITE_P(
    AllKinds, SparkFactorReaderMalformedTest,
    ::testing::Values(
        MalformedCase{"not json", "expected '{' at column 1, found 'n'"},
        MalformedCase{"[1,2]", "expected '{'"},
        MalformedCase{"{\"id\":2,\"features\":[1,2]",
                      "expected ',' or '}' at column 25, found end of line"},
        MalformedCase{"{\"id\":2,\"features\":[1,2]} {}",
                      "expected end of line after the object"},
        MalformedCase{"{\"id\":2}", "missing key \"features\""},
        MalformedCase{"{\"features\":[1,2]}", "missing key \"id\""},
        MalformedCase{"{}", "missing key \"id\""},
        MalformedCase{"{\"id\":2,\"features\":[1,2],\"extra\":3}",
                      "unexpected key \"extra\""},
        MalformedCase{"{\"id\":2,\"id\":3,\"features\":[1,2]}",
                      "duplicate key \"id\""},
        MalformedCase{"{\"id\":2,\"features\":[1,2],\"features\":[1,2]}",
                      "duplicate key \"features\""},
        MalformedCase{"{id:2,\"features\":[1,2]}", "expected a key"},
        MalformedCase{"{\"id\" 2,\"features\":[1,2]}", "expected ':'"},
        MalformedCase{"{\"id\":2.5,\"features\":[1,2]}",
                      "\"id\" must be an integer or a string"},
        MalformedCase{"{\"id\":1e3,\"features\":[1,2]}",
                      "\"id\" must be an integer or a string"},
        MalformedCase{"{\"id\":true,\"features\":[1,2]}",
                      "expected an integer or string \"id\""},
        MalformedCase{"{\"id\":null,\"features\":[1,2]}",
                      "expected an integer or string \"id\""},
        MalformedCase{"{\"id\":99999999999999999999,\"features\":[1,2]}",
                      "\"id\" 99999999999999999999 does not fit a 64-bit "
                      "integer"},
        MalformedCase{"{\"id\":\"\",\"features\":[1,2]}", "\"id\" is empty"},
        MalformedCase{"{\"id\":\"abc,\"features\":[1,2]}", "expected"},
        MalformedCase{"{\"id\":\"abc", "unterminated string"},
        MalformedCase{"{\"id\":\"a\\x\",\"features\":[1,2]}",
                      "expected a valid escape"},
        MalformedCase{"{\"id\":\"a\\ud800\",\"features\":[1,2]}",
                      "expected a low surrogate escape"},
        MalformedCase{"{\"id\":\"a\tb\",\"features\":[1,2]}",
                      "expected a printable character in string"},
        MalformedCase{"{\"id\":2,\"features\":[]}", "\"features\" is empty"},
        MalformedCase{"{\"id\":2,\"features\":{\"a\":1}}",
                      "expected '[' starting the \"features\" array"},
        MalformedCase{"{\"id\":2,\"features\":[1,2,3]}",
                      "row has 3 features, expected 2"},
        MalformedCase{"{\"id\":2,\"features\":[1]}",
                      "row has 1 features, expected 2"},
        MalformedCase{"{\"id\":2,\"features\":[1,NaN]}",
                      "features[1] is NaN; factors must be finite"},
        MalformedCase{"{\"id\":2,\"features\":[1,\"NaN\"]}",
                      "features[1] is NaN"},
        MalformedCase{"{\"id\":2,\"features\":[Infinity,1]}",
                      "features[0] is Infinity; factors must be finite"},
        MalformedCase{"{\"id\":2,\"features\":[1,-Infinity]}",
                      "features[1] is -Infinity"},
        MalformedCase{"{\"id\":2,\"features\":[1,\"-Infinity\"]}",
                      "features[1] is -Infinity"},
        MalformedCase{"{\"id\":2,\"features\":[1,inf]}", "features[1] is inf"},
        MalformedCase{"{\"id\":2,\"features\":[1,1e39]}",
                      "features[1] = 1e39 is out of float range"},
        MalformedCase{"{\"id\":2,\"features\":[1,-5e40]}",
                      "features[1] = -5e40 is out of float range"},
        MalformedCase{"{\"id\":2,\"features\":[1,null]}",
                      "features[1] is null"},
        MalformedCase{"{\"id\":2,\"features\":[1,\"0.5\"]}",
                      "features[1] is '0.5', expected a number"},
        MalformedCase{"{\"id\":2,\"features\":[1,true]}",
                      "features[1] is 'true', expected a number"},
        MalformedCase{"{\"id\":2,\"features\":[1,.5]}",
                      "expected a number for features[1]"},
        MalformedCase{"{\"id\":2,\"features\":[1,2,]}",
                      "expected a number for features[2]"},
        MalformedCase{"{\"id\":2,\"features\":[1,-]}",
                      "expected a number for features[1]"},
        MalformedCase{"{\"id\":2,\"features\":[1,2.]}",
                      "expected a digit after '.'"},
        MalformedCase{"{\"id\":2,\"features\":[1,2e]}",
                      "expected a digit in the exponent"},
        MalformedCase{"{\"id\":2,\"features\":[1,+2]}",
                      "expected a number for features[1]"},
        MalformedCase{"{\"id\":2,\"features\":[1,02]}",
                      "expected ',' or ']' in \"features\""},
        MalformedCase{"{\"id\":2,\"features\":[1 2]}",
                      "expected ',' or ']' in \"features\" at column 23, "
                      "found '2'"},
        MalformedCase{"{\"id\":2,\"features\":[1,2}", "expected ',' or ']'"}));

}  // namespace
}  // namespace nbo::data
