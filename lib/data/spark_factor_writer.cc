// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/data/spark_factor_writer.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/common/status_macros.h"

namespace nbo::data {
namespace {

// 10^k for k = 0..9, all exact in a double.
constexpr double kPow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
// 10^k for k = -3..5: the thresholds between decimal exponents in the fast
// path. The inexact ones (0.001, ...) are still never within a float's
// spacing of a float, so comparisons classify every float correctly.
constexpr double kExponentThresholds[] = {1e-3, 1e-2, 1e-1, 1e0, 1e1,
                                          1e2,  1e3,  1e4,  1e5};

// Is `name` something an earlier writer (ours or Spark's) left behind?
bool IsStaleOutput(const std::string& name) {
  return absl::StartsWith(name, "part-") || name == "_SUCCESS" ||
         (absl::StartsWith(name, ".") && absl::EndsWith(name, ".crc"));
}

}  // namespace

void AppendFloat6(float value, std::string* out) {
  // The fast path covers what %.6g prints without an exponent,
  // 1e-4 <= |value| < 1e6, which is where factor values live. A float times
  // 10^k (k <= 9, 5^9 < 2^21) is exact in a double, so rounding the scaled
  // value half to even gives exactly printf's digits.
  const double magnitude = std::fabs(static_cast<double>(value));
  if (magnitude >= 1e-4 && magnitude < 1e6) {
    int exponent = -4;  // floor(log10(magnitude)).
    while (exponent < 5 && magnitude >= kExponentThresholds[exponent + 4]) {
      ++exponent;
    }
    const double scaled = magnitude * kPow10[5 - exponent];
    // Round half to even by hand: scaled is exact and below 2^53.
    uint32_t n = static_cast<uint32_t>(scaled);
    const double fraction = scaled - n;
    if (fraction > 0.5 || (fraction == 0.5 && (n & 1) != 0)) ++n;
    if (n >= 100000 && n < 1000000) {
      char digits[6];
      for (int i = 5; i >= 0; --i) {
        digits[i] = static_cast<char>('0' + n % 10);
        n /= 10;
      }
      int length = 6;
      const int integer_digits = exponent >= 0 ? exponent + 1 : 0;
      while (length > integer_digits && digits[length - 1] == '0') --length;
      char buffer[16];
      char* p = buffer;
      if (value < 0) *p++ = '-';
      if (exponent >= 0) {
        for (int i = 0; i < integer_digits; ++i) *p++ = digits[i];
        if (length > integer_digits) {
          *p++ = '.';
          for (int i = integer_digits; i < length; ++i) *p++ = digits[i];
        }
      } else {
        *p++ = '0';
        *p++ = '.';
        for (int i = exponent + 1; i < 0; ++i) *p++ = '0';
        for (int i = 0; i < length; ++i) *p++ = digits[i];
      }
      out->append(buffer, p - buffer);
      return;
    }
  }
  char buffer[32];
  auto result = std::to_chars(buffer, buffer + sizeof(buffer), value,
                              std::chars_format::general, 6);
  out->append(buffer, result.ptr);
}

void AppendJsonString(absl::string_view text, std::string* out) {
  out->push_back('"');
  for (char c : text) {
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          absl::StrAppendFormat(out, "\\u%04x", static_cast<int>(c));
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

absl::StatusOr<std::unique_ptr<SparkFactorWriter>> SparkFactorWriter::Create(
    const std::string& dir, const Options& options) {
  namespace fs = std::filesystem;
  if (options.rows_per_file < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "rows_per_file must be at least 1, got ", options.rows_per_file));
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    return absl::InternalError(
        absl::StrCat(dir, ": cannot create directory: ", ec.message()));
  }
  std::vector<fs::path> stale;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (IsStaleOutput(it->path().filename().string())) {
      stale.push_back(it->path());
    }
  }
  if (ec) {
    return absl::InternalError(
        absl::StrCat(dir, ": cannot list directory: ", ec.message()));
  }
  for (const fs::path& path : stale) {
    if (!fs::remove(path, ec) || ec) {
      return absl::InternalError(absl::StrCat(
          path.string(), ": cannot remove stale output: ", ec.message()));
    }
  }
  return std::unique_ptr<SparkFactorWriter>(
      new SparkFactorWriter(dir, options));
}

SparkFactorWriter::SparkFactorWriter(std::string dir, const Options& options)
    : dir_(std::move(dir)), options_(options) {
  buffer_.reserve(options_.buffer_bytes + 4096);
}

SparkFactorWriter::~SparkFactorWriter() {
  // An unclosed writer leaves its output without _SUCCESS; readers of
  // Spark output know what that means, so the write error (if any) is
  // deliberately not reported here.
  if (file_ != nullptr) std::fclose(file_);
}

absl::Status SparkFactorWriter::CheckRow(
    absl::Span<const float> features) const {
  if (closed_) {
    return absl::FailedPreconditionError("Append() after Close()");
  }
  if (features.empty()) {
    return absl::InvalidArgumentError("factor row without features");
  }
  for (size_t i = 0; i < features.size(); ++i) {
    if (!std::isfinite(features[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat("features[", i, "] is not finite"));
    }
  }
  return absl::OkStatus();
}

absl::Status SparkFactorWriter::Append(absl::string_view id,
                                       absl::Span<const float> features) {
  if (id.empty()) return absl::InvalidArgumentError("empty factor row id");
  NBO_RETURN_IF_ERROR(CheckRow(features));
  buffer_.append("{\"id\":");
  AppendJsonString(id, &buffer_);
  return FinishRow(features);
}

absl::Status SparkFactorWriter::Append(int64_t id,
                                       absl::Span<const float> features) {
  NBO_RETURN_IF_ERROR(CheckRow(features));
  buffer_.append("{\"id\":");
  absl::StrAppend(&buffer_, id);
  return FinishRow(features);
}

absl::Status SparkFactorWriter::FinishRow(absl::Span<const float> features) {
  buffer_.append(",\"features\":[");
  for (size_t i = 0; i < features.size(); ++i) {
    if (i > 0) buffer_.push_back(',');
    AppendFloat6(features[i], &buffer_);
  }
  buffer_.append("]}\n");
  ++rows_written_;
  ++rows_in_part_;
  if (file_ == nullptr) {
    file_path_ =
        absl::StrFormat("%s/part-%05d-nbo-c000.json", dir_, part_index_);
    file_ = std::fopen(file_path_.c_str(), "wb");
    if (file_ == nullptr) {
      return absl::InternalError(
          absl::StrCat(file_path_, ": cannot create: ", std::strerror(errno)));
    }
    ++part_index_;
  }
  if (rows_in_part_ >= options_.rows_per_file) return ClosePart();
  if (buffer_.size() >= options_.buffer_bytes) return Flush();
  return absl::OkStatus();
}

absl::Status SparkFactorWriter::Flush() {
  if (buffer_.empty()) return absl::OkStatus();
  const size_t written = std::fwrite(buffer_.data(), 1, buffer_.size(), file_);
  if (written != buffer_.size()) {
    return absl::InternalError(
        absl::StrCat(file_path_, ": write failed: ", std::strerror(errno)));
  }
  bytes_written_ += written;
  buffer_.clear();
  return absl::OkStatus();
}

absl::Status SparkFactorWriter::ClosePart() {
  if (file_ == nullptr) return absl::OkStatus();
  NBO_RETURN_IF_ERROR(Flush());
  const int closed = std::fclose(file_);
  file_ = nullptr;
  rows_in_part_ = 0;
  if (closed != 0) {
    return absl::InternalError(
        absl::StrCat(file_path_, ": close failed: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

absl::Status SparkFactorWriter::Close() {
  if (closed_) return absl::OkStatus();
  closed_ = true;
  NBO_RETURN_IF_ERROR(ClosePart());
  const std::string success = dir_ + "/_SUCCESS";
  std::FILE* file = std::fopen(success.c_str(), "wb");
  if (file == nullptr || std::fclose(file) != 0) {
    return absl::InternalError(
        absl::StrCat(success, ": cannot create: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace nbo::data
