// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/data/spark_factor_writer.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/data/factor_row.h"
#include "lib/data/spark_factor_reader.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"

namespace nbo::data {
namespace {

using ::nbo::testing::IsOk;
using ::nbo::testing::StatusIs;
using ::nbo::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string Printf6(float value) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.6g", static_cast<double>(value));
  return buffer;
}

std::string Format(float value) {
  std::string out;
  AppendFloat6(value, &out);
  return out;
}

std::set<std::string> FileNames(const std::string& dir) {
  std::set<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    names.insert(entry.path().filename().string());
  }
  return names;
}

std::vector<FactorRow> ReadAll(const std::string& path) {
  std::vector<FactorRow> rows;
  auto reader = SparkFactorReader::Open(path);
  EXPECT_THAT(reader, IsOk());
  if (!reader.ok()) return rows;
  FactorRow row;
  for (;;) {
    absl::StatusOr<bool> more = (*reader)->Next(&row);
    EXPECT_THAT(more, IsOk());
    if (!more.ok() || !*more) return rows;
    rows.push_back(row);
  }
}

TEST(AppendFloat6Test, MatchesPrintfOnEdgeCases) {
  const float cases[] = {0.0f,
                         -0.0f,
                         1.0f,
                         -1.0f,
                         0.5f,
                         0.1f,
                         0.0001f,
                         0.00009999f,
                         1e-5f,
                         123456.5f,
                         123457.5f,
                         999999.4f,
                         999999.5f,
                         1e6f,
                         1234567.0f,
                         3.14159265f,
                         -2.71828182f,
                         100000.0f,
                         0.000123456f,
                         9.999995e-5f,
                         0.99999951f,
                         9.9999996f,
                         1e-40f,
                         3.4e38f,
                         std::numeric_limits<float>::denorm_min()};
  for (float value : cases) {
    EXPECT_EQ(Format(value), Printf6(value)) << "value " << value;
  }
}

TEST(AppendFloat6Test, MatchesPrintfAcrossMagnitudes) {
  // A deterministic sweep of bit patterns over [1e-7, 1e7] and both signs.
  uint32_t state = 12345;
  int checked = 0;
  for (int i = 0; i < 200000; ++i) {
    state = state * 1664525u + 1013904223u;
    const float magnitude =
        std::pow(10.0f, -7.0f + 14.0f * (state >> 8) / 16777216.0f);
    const float value = (state & 1) ? -magnitude : magnitude;
    ASSERT_EQ(Format(value), Printf6(value)) << "value " << value;
    ++checked;
  }
  EXPECT_EQ(checked, 200000);
}

TEST(SparkFactorWriterTest, WritesPartFilesThatTheReaderReadsBack) {
  TempDir dir;
  const std::string out = dir.Sub("userFactors");
  SparkFactorWriter::Options options;
  options.rows_per_file = 3;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SparkFactorWriter> writer,
                       SparkFactorWriter::Create(out, options));
  const std::vector<float> features = {0.1234567f, -1.5f, 2e-7f};
  for (int i = 0; i < 7; ++i) {
    if (i % 2 == 0) {
      ASSERT_THAT(writer->Append(absl::StrCat("C", i), features), IsOk());
    } else {
      ASSERT_THAT(writer->Append(int64_t{i}, features), IsOk());
    }
  }
  ASSERT_THAT(writer->Close(), IsOk());
  EXPECT_EQ(writer->rows_written(), 7);
  EXPECT_EQ(writer->part_files(), 3);
  EXPECT_THAT(
      FileNames(out),
      ElementsAre("_SUCCESS", "part-00000-nbo-c000.json",
                  "part-00001-nbo-c000.json", "part-00002-nbo-c000.json"));
  EXPECT_EQ(writer->bytes_written(),
            std::filesystem::file_size(out + "/part-00000-nbo-c000.json") +
                std::filesystem::file_size(out + "/part-00001-nbo-c000.json") +
                std::filesystem::file_size(out + "/part-00002-nbo-c000.json"));

  std::vector<FactorRow> rows = ReadAll(out);
  ASSERT_EQ(rows.size(), 7u);
  EXPECT_EQ(rows[0].id, "C0");
  EXPECT_EQ(rows[1].id, "1");
  EXPECT_EQ(rows[6].id, "C6");
  EXPECT_THAT(rows[3].features, ElementsAre(0.123457f, -1.5f, 2e-7f));
}

TEST(SparkFactorWriterTest, WritesTheLayoutSparkWrites) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SparkFactorWriter> writer,
                       SparkFactorWriter::Create(dir.path()));
  ASSERT_THAT(writer->Append(int64_t{12}, std::vector<float>{0.5f, -0.25f}),
              IsOk());
  ASSERT_THAT(writer->Append("P\"1", std::vector<float>{1.0f, 1e-5f}), IsOk());
  ASSERT_THAT(writer->Close(), IsOk());
  std::FILE* file =
      std::fopen((dir.path() + "/part-00000-nbo-c000.json").c_str(), "rb");
  ASSERT_NE(file, nullptr);
  char buffer[256] = {};
  const size_t size = std::fread(buffer, 1, sizeof(buffer) - 1, file);
  std::fclose(file);
  EXPECT_EQ(std::string(buffer, size),
            "{\"id\":12,\"features\":[0.5,-0.25]}\n"
            "{\"id\":\"P\\\"1\",\"features\":[1,1e-05]}\n");
}

TEST(SparkFactorWriterTest, EscapedIdsRoundTrip) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SparkFactorWriter> writer,
                       SparkFactorWriter::Create(dir.path()));
  const std::string id = "a\"b\\c\nd\te\x01\xC3\xA9";
  ASSERT_THAT(writer->Append(id, std::vector<float>{1.0f}), IsOk());
  ASSERT_THAT(writer->Close(), IsOk());
  std::vector<FactorRow> rows = ReadAll(dir.path());
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].id, id);
}

TEST(SparkFactorWriterTest, RemovesStaleOutputOfAnEarlierRun) {
  TempDir dir;
  {
    SparkFactorWriter::Options options;
    options.rows_per_file = 1;
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<SparkFactorWriter> writer,
                         SparkFactorWriter::Create(dir.path(), options));
    for (int i = 0; i < 4; ++i) {
      ASSERT_THAT(writer->Append(int64_t{i}, std::vector<float>{1.0f}), IsOk());
    }
    ASSERT_THAT(writer->Close(), IsOk());
  }
  std::FILE* other = std::fopen((dir.path() + "/README").c_str(), "wb");
  ASSERT_NE(other, nullptr);
  std::fclose(other);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SparkFactorWriter> writer,
                       SparkFactorWriter::Create(dir.path()));
  ASSERT_THAT(writer->Append(int64_t{9}, std::vector<float>{2.0f}), IsOk());
  ASSERT_THAT(writer->Close(), IsOk());
  EXPECT_THAT(FileNames(dir.path()),
              ElementsAre("README", "_SUCCESS", "part-00000-nbo-c000.json"));
}

TEST(SparkFactorWriterTest, LeavesNoSuccessMarkerWithoutClose) {
  TempDir dir;
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<SparkFactorWriter> writer,
                         SparkFactorWriter::Create(dir.path()));
    ASSERT_THAT(writer->Append(int64_t{1}, std::vector<float>{1.0f}), IsOk());
  }
  EXPECT_EQ(FileNames(dir.path()).count("_SUCCESS"), 0u);
}

TEST(SparkFactorWriterTest, RejectsRowsJsonCannotCarry) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SparkFactorWriter> writer,
                       SparkFactorWriter::Create(dir.path()));
  EXPECT_THAT(
      writer->Append("C1", std::vector<float>{1.0f, std::nanf("")}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("features[1]")));
  EXPECT_THAT(
      writer->Append(
          "C1", std::vector<float>{std::numeric_limits<float>::infinity()}),
      StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(writer->Append("C1", std::vector<float>{}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(writer->Append("", std::vector<float>{1.0f}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // Nothing of the rejected rows reached the file.
  ASSERT_THAT(writer->Append("C2", std::vector<float>{3.0f}), IsOk());
  ASSERT_THAT(writer->Close(), IsOk());
  EXPECT_THAT(writer->Append("C3", std::vector<float>{3.0f}),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  std::vector<FactorRow> rows = ReadAll(dir.path());
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].id, "C2");
}

TEST(SparkFactorWriterTest, RejectsZeroRowsPerFile) {
  TempDir dir;
  SparkFactorWriter::Options options;
  options.rows_per_file = 0;
  EXPECT_THAT(SparkFactorWriter::Create(dir.path(), options),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace nbo::data
