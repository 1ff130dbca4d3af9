// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/data/spark_factor_reader.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <system_error>
#include <utility>

#include "absl/base/attributes.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/common/status_macros.h"

namespace nbo::data {
namespace {

// Suffixes of the compressed part files Spark writes when its JSON
// `compression` option is set. We read plain text only.
constexpr const char* kCompressedSuffixes[] = {".gz",  ".bz2",    ".lz4",
                                               ".zst", ".snappy", ".deflate"};

inline bool IsJsonSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// 10^k for k = 0..22: every one is exact in a double.
constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                             1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                             1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

bool IsBlank(absl::string_view line) {
  for (char c : line) {
    if (!IsJsonSpace(c)) return false;
  }
  return true;
}

// Is `name` a data file of a Spark output directory? Hadoop treats names
// starting with '_' or '.' as metadata (_SUCCESS, _committed_*, .crc files).
bool IsPartFile(const std::string& name) {
  return !name.empty() && name[0] != '_' && name[0] != '.' &&
         !absl::EndsWith(name, ".crc");
}

// Appends `code_point` to `*out` as UTF-8.
void AppendUtf8(uint32_t code_point, std::string* out) {
  if (code_point < 0x80) {
    out->push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (code_point >> 6)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (code_point >> 12)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (code_point >> 18)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
}

// A recursive-descent parser for one line, specialised to the only shape we
// accept. Errors carry the reason and, for syntax errors, the column.
class LineParser {
 public:
  explicit LineParser(absl::string_view line)
      : begin_(line.data()), p_(line.data()), end_(line.data() + line.size()) {}

  ABSL_ATTRIBUTE_ALWAYS_INLINE void SkipSpace() {
    while (p_ < end_ && IsJsonSpace(*p_)) ++p_;
  }
  bool AtEnd() const { return p_ == end_; }
  // The next character, or '\0' at the end of the line.
  ABSL_ATTRIBUTE_ALWAYS_INLINE char Peek() const {
    return p_ < end_ ? *p_ : '\0';
  }
  ABSL_ATTRIBUTE_ALWAYS_INLINE bool Consume(char c) {
    if (p_ < end_ && *p_ == c) {
      ++p_;
      return true;
    }
    return false;
  }

  absl::Status SyntaxError(absl::string_view expected) const {
    std::string found = "end of line";
    if (p_ < end_) {
      const unsigned char c = static_cast<unsigned char>(*p_);
      found = (c >= 0x20 && c < 0x7F)
                  ? absl::StrCat("'", std::string(1, *p_), "'")
                  : absl::StrCat("byte 0x", absl::Hex(c));
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "expected ", expected, " at column ", Column(), ", found ", found));
  }
  int64_t Column() const { return (p_ - begin_) + 1; }

  // Parses a JSON string at the cursor (which must be at its opening quote)
  // and stores its decoded value in `*out`.
  absl::Status ParseString(std::string* out) {
    out->clear();
    if (!Consume('"')) return SyntaxError("'\"'");
    for (;;) {
      const char* start = p_;
      while (p_ < end_ && *p_ != '"' && *p_ != '\\' &&
             static_cast<unsigned char>(*p_) >= 0x20) {
        ++p_;
      }
      out->append(start, p_ - start);
      if (p_ == end_) {
        return absl::InvalidArgumentError(absl::StrCat(
            "unterminated string starting before column ", Column()));
      }
      const char c = *p_++;
      if (c == '"') return absl::OkStatus();
      if (c != '\\') {
        --p_;
        return SyntaxError("a printable character in string");
      }
      if (p_ == end_) return SyntaxError("an escape character");
      const char e = *p_++;
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out->push_back(e);
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'u': {
          uint32_t unit = 0;
          NBO_RETURN_IF_ERROR(ParseHex4(&unit));
          if (unit >= 0xD800 && unit <= 0xDBFF) {
            uint32_t low = 0;
            if (!Consume('\\') || !Consume('u')) {
              return SyntaxError("a low surrogate escape \\uDC00-\\uDFFF");
            }
            NBO_RETURN_IF_ERROR(ParseHex4(&low));
            if (low < 0xDC00 || low > 0xDFFF) {
              return absl::InvalidArgumentError(absl::StrCat(
                  "invalid low surrogate before column ", Column()));
            }
            unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
          } else if (unit >= 0xDC00 && unit <= 0xDFFF) {
            return absl::InvalidArgumentError(absl::StrCat(
                "unpaired low surrogate before column ", Column()));
          }
          AppendUtf8(unit, out);
          break;
        }
        default:
          --p_;
          return SyntaxError(
              "a valid escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u)");
      }
    }
  }

  // Parses a JSON integer (no fraction or exponent) into `*value`, leaving
  // its text in `*text`.
  absl::Status ParseInteger(int64_t* value, absl::string_view* text) {
    const char* start = p_;
    Consume('-');
    if (Consume('0')) {
      // JSON forbids leading zeros.
    } else if (IsDigit(Peek())) {
      while (IsDigit(Peek())) ++p_;
    } else {
      return SyntaxError("a digit");
    }
    if (Peek() == '.' || Peek() == 'e' || Peek() == 'E') {
      return absl::InvalidArgumentError(
          "\"id\" must be an integer or a string, not a fractional number");
    }
    *text = absl::string_view(start, p_ - start);
    auto [ptr, ec] = std::from_chars(start, p_, *value);
    if (ec != std::errc() || ptr != p_) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"id\" ", *text, " does not fit a 64-bit integer"));
    }
    return absl::OkStatus();
  }

  // The fast path for features: parses the JSON number at the cursor into
  // `*value` in one pass, validating and converting together. Returns false,
  // with the cursor unmoved, for anything else (not a number, malformed, or
  // outside the exact range below); ParseFeature then decides.
  //
  // Exactness: with mantissa m < 2^53 and |e| <= 22, both m and 10^|e| are
  // doubles, so m * 10^e (or m / 10^-e) is one correctly rounded double
  // operation (Clinger's fast path). Rounding that double to float gives the
  // correctly rounded float, because 53 >= 2 * 24 + 2 (Figueroa, "When is
  // double rounding innocuous?", 1995). The result is therefore the one
  // std::from_chars gives, bit for bit; the unit test checks it.
  ABSL_ATTRIBUTE_ALWAYS_INLINE bool TryParseNumber(float* value) {
    const char* p = p_;
    const bool negative = p < end_ && *p == '-';
    if (negative) ++p;
    if (p == end_ || !IsDigit(*p)) return false;
    uint64_t mantissa = 0;
    int digits = 0;
    if (*p == '0') {
      ++p;
      if (p < end_ && IsDigit(*p)) return false;  // Leading zero.
    } else {
      do {
        mantissa = mantissa * 10 + static_cast<unsigned>(*p - '0');
        ++digits;
        ++p;
      } while (p < end_ && IsDigit(*p));
    }
    int exponent = 0;
    if (p < end_ && *p == '.') {
      const char* fraction = ++p;
      while (p < end_ && IsDigit(*p)) {
        mantissa = mantissa * 10 + static_cast<unsigned>(*p - '0');
        ++digits;
        ++p;
      }
      if (p == fraction) return false;
      exponent = -static_cast<int>(p - fraction);
    }
    if (p < end_ && (*p == 'e' || *p == 'E')) {
      ++p;
      bool negative_exponent = false;
      if (p < end_ && (*p == '+' || *p == '-')) {
        negative_exponent = *p == '-';
        ++p;
      }
      if (p == end_ || !IsDigit(*p)) return false;
      int e = 0;
      do {
        if (e < 100000) e = e * 10 + (*p - '0');
        ++p;
      } while (p < end_ && IsDigit(*p));
      exponent += negative_exponent ? -e : e;
    }
    // 19 digits cannot overflow 64 bits; beyond, or out of the exact range,
    // from_chars takes over.
    if (digits > 19 || mantissa > (uint64_t{1} << 53) || exponent < -22 ||
        exponent > 22) {
      return false;
    }
    double result = static_cast<double>(mantissa);
    result =
        exponent < 0 ? result / kPow10[-exponent] : result * kPow10[exponent];
    const float narrowed = static_cast<float>(result);
    *value = negative ? -narrowed : narrowed;
    p_ = p;
    return true;
  }

  // Parses the feature at `index` into `*value`: a finite JSON number that
  // fits a float. NaN and infinities, bare (NaN, Infinity) or quoted the way
  // Jackson writes them ("NaN", "-Infinity"), get their own message.
  absl::Status ParseFeature(size_t index, float* value) {
    const char* start = p_;
    Consume('-');
    if (Consume('0')) {
    } else if (IsDigit(Peek())) {
      ++p_;
      while (p_ < end_ && IsDigit(*p_)) ++p_;
    } else {
      p_ = start;
      return NonNumberFeature(index);
    }
    if (Consume('.')) {
      if (!IsDigit(Peek())) return SyntaxError("a digit after '.'");
      while (p_ < end_ && IsDigit(*p_)) ++p_;
    }
    if (Peek() == 'e' || Peek() == 'E') {
      ++p_;
      if (!Consume('+')) Consume('-');
      if (!IsDigit(Peek())) return SyntaxError("a digit in the exponent");
      while (p_ < end_ && IsDigit(*p_)) ++p_;
    }
    auto [ptr, ec] =
        std::from_chars(start, p_, *value, std::chars_format::general);
    if (ec == std::errc::result_out_of_range) {
      // Either too large for a float (an error) or so small that it
      // underflows, which rounds to zero or a subnormal like any parser.
      double wide = 0;
      auto wide_result =
          std::from_chars(start, p_, wide, std::chars_format::general);
      if (wide_result.ec == std::errc() && std::isfinite(wide) &&
          std::fabs(wide) < 1.0) {
        *value = static_cast<float>(wide);
        return absl::OkStatus();
      }
      return absl::InvalidArgumentError(absl::StrCat(
          "features[", index, "] = ", absl::string_view(start, p_ - start),
          " is out of float range"));
    }
    if (ec != std::errc() || ptr != p_) {
      p_ = start;
      return SyntaxError("a number");
    }
    return absl::OkStatus();
  }

 private:
  absl::Status ParseHex4(uint32_t* unit) {
    if (end_ - p_ < 4) return SyntaxError("four hex digits");
    auto [ptr, ec] = std::from_chars(p_, p_ + 4, *unit, 16);
    if (ec != std::errc() || ptr != p_ + 4) {
      return SyntaxError("four hex digits");
    }
    p_ += 4;
    return absl::OkStatus();
  }

  // Explains a feature that is not a JSON number.
  absl::Status NonNumberFeature(size_t index) {
    std::string word;
    if (Peek() == '"') {
      std::string text;
      NBO_RETURN_IF_ERROR(ParseString(&text));
      word = text;
    } else {
      const char* start = p_;
      if (Peek() == '-' || Peek() == '+') ++p_;
      while (p_ < end_ && absl::ascii_isalpha(*p_)) ++p_;
      word = std::string(start, p_ - start);
      if (word.empty() || word == "-" || word == "+") {
        p_ = start;
        return SyntaxError(absl::StrCat("a number for features[", index, "]"));
      }
    }
    const std::string lower = absl::AsciiStrToLower(word);
    if (lower == "nan" || lower == "-nan" || lower == "+nan") {
      return absl::InvalidArgumentError(
          absl::StrCat("features[", index, "] is NaN; factors must be finite"));
    }
    if (lower == "infinity" || lower == "-infinity" || lower == "+infinity" ||
        lower == "inf" || lower == "-inf" || lower == "+inf") {
      return absl::InvalidArgumentError(absl::StrCat(
          "features[", index, "] is ", word, "; factors must be finite"));
    }
    if (lower == "null") {
      return absl::InvalidArgumentError(
          absl::StrCat("features[", index, "] is null"));
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "features[", index, "] is '", word, "', expected a number"));
  }

  const char* const begin_;
  const char* p_;
  const char* const end_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<SparkFactorReader>> SparkFactorReader::Open(
    const std::string& path, const Options& options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": cannot access: ", ec.message()));
  }
  if (!fs::exists(status)) {
    return absl::NotFoundError(
        absl::StrCat(path, ": no such file or directory"));
  }
  std::vector<std::string> files;
  if (fs::is_regular_file(status)) {
    files.push_back(path);
  } else if (fs::is_directory(status)) {
    // The error_code forms throughout: a range-for would throw instead.
    for (fs::directory_iterator it(path, ec), end; !ec && it != end;
         it.increment(ec)) {
      const fs::directory_entry& entry = *it;
      const std::string name = entry.path().filename().string();
      if (!IsPartFile(name)) continue;
      std::error_code type_ec;
      if (!entry.is_regular_file(type_ec)) continue;
      for (const char* suffix : kCompressedSuffixes) {
        if (absl::EndsWith(name, suffix)) {
          return absl::InvalidArgumentError(absl::StrCat(
              entry.path().string(),
              ": compressed part files are not supported; write the factors "
              "with Spark's JSON option compression=none"));
        }
      }
      files.push_back(entry.path().string());
    }
    if (ec) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": cannot list directory: ", ec.message()));
    }
    if (files.empty()) {
      return absl::NotFoundError(
          absl::StrCat(path, ": no part files in directory"));
    }
    std::sort(files.begin(), files.end());
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": neither a file nor a directory"));
  }
  uint64_t total_bytes = 0;
  for (const std::string& file : files) {
    const uintmax_t size = fs::file_size(file, ec);
    if (!ec) total_bytes += size;
  }
  return std::unique_ptr<SparkFactorReader>(
      new SparkFactorReader(std::move(files), total_bytes, options));
}

SparkFactorReader::SparkFactorReader(std::vector<std::string> files,
                                     uint64_t total_bytes,
                                     const Options& options)
    : files_(std::move(files)),
      total_bytes_(total_bytes),
      options_(options),
      buffer_(std::max<size_t>(options.buffer_bytes, 4096)) {
  if (options_.expected_rank > 0) {
    rank_ = options_.expected_rank;
    rank_origin_ = options_.expected_rank_origin;
  }
}

SparkFactorReader::~SparkFactorReader() {
  if (file_ != nullptr) std::fclose(file_);
}

std::string SparkFactorReader::Where() const {
  if (files_.empty()) return "";
  return absl::StrCat(files_[std::min(file_index_, files_.size() - 1)], ":",
                      line_number_);
}

absl::Status SparkFactorReader::Fail(absl::Status status) {
  status_ = status;
  if (file_ != nullptr) {
    std::fclose(file_);
    file_ = nullptr;
  }
  return status;
}

absl::Status SparkFactorReader::OpenFile(size_t index) {
  const std::string& path = files_[index];
  file_ = std::fopen(path.c_str(), "rb");
  if (file_ == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": cannot open: ", std::strerror(errno)));
  }
  // We read in large blocks ourselves; stdio's buffer would only copy.
  std::setvbuf(file_, nullptr, _IONBF, 0);
  file_eof_ = false;
  line_number_ = 0;
  buffer_begin_ = 0;
  buffer_end_ = 0;
  buffer_consumed_ = 0;
  return absl::OkStatus();
}

absl::StatusOr<bool> SparkFactorReader::NextLine(absl::string_view* line) {
  for (;;) {
    const char* begin = buffer_.data() + buffer_begin_;
    const size_t available = buffer_end_ - buffer_begin_;
    const void* newline = std::memchr(begin, '\n', available);
    if (newline != nullptr) {
      const size_t length = static_cast<const char*>(newline) - begin;
      *line = absl::string_view(begin, length);
      buffer_begin_ += length + 1;
      buffer_consumed_ += length + 1;
      ++line_number_;
      return true;
    }
    if (file_eof_) {
      if (available == 0) return false;
      *line = absl::string_view(begin, available);
      buffer_begin_ = buffer_end_;
      buffer_consumed_ += available;
      ++line_number_;
      return true;
    }
    if (buffer_begin_ > 0) {
      std::memmove(buffer_.data(), begin, available);
      buffer_begin_ = 0;
      buffer_end_ = available;
    }
    if (buffer_end_ == buffer_.size()) {
      if (buffer_.size() >= options_.max_line_bytes) {
        return absl::InvalidArgumentError(absl::StrCat(
            files_[file_index_], ":", line_number_ + 1, ": line longer than ",
            options_.max_line_bytes, " bytes"));
      }
      buffer_.resize(std::min(buffer_.size() * 2, options_.max_line_bytes));
    }
    const size_t wanted = buffer_.size() - buffer_end_;
    const size_t got =
        std::fread(buffer_.data() + buffer_end_, 1, wanted, file_);
    buffer_end_ += got;
    if (got < wanted) {
      if (std::ferror(file_)) {
        return absl::InternalError(
            absl::StrCat(files_[file_index_], ": read error"));
      }
      file_eof_ = true;
    }
  }
}

absl::StatusOr<bool> SparkFactorReader::Next(FactorRow* row) {
  if (!status_.ok()) return status_;
  for (;;) {
    if (file_ == nullptr) {
      if (file_index_ >= files_.size()) return false;
      absl::Status opened = OpenFile(file_index_);
      if (!opened.ok()) return Fail(opened);
    }
    absl::string_view line;
    absl::StatusOr<bool> more = NextLine(&line);
    if (!more.ok()) return Fail(more.status());
    if (!*more) {
      std::fclose(file_);
      file_ = nullptr;
      bytes_done_ += buffer_consumed_;
      buffer_consumed_ = 0;
      ++file_index_;
      continue;
    }
    if (line.empty() || (line[0] != '{' && IsBlank(line))) continue;
    absl::Status parsed = ParseLine(line, row);
    if (!parsed.ok()) {
      return Fail(absl::InvalidArgumentError(absl::StrCat(
          files_[file_index_], ":", line_number_, ": ", parsed.message())));
    }
    ++rows_read_;
    return true;
  }
}

absl::Status SparkFactorReader::ParseLine(absl::string_view line,
                                          FactorRow* row) {
  LineParser parser(line);
  parser.SkipSpace();
  if (!parser.Consume('{')) return parser.SyntaxError("'{'");
  bool have_id = false;
  bool have_features = false;
  std::string key;
  parser.SkipSpace();
  if (parser.Peek() != '}') {
    for (;;) {
      parser.SkipSpace();
      if (parser.Peek() != '"') return parser.SyntaxError("a key");
      NBO_RETURN_IF_ERROR(parser.ParseString(&key));
      parser.SkipSpace();
      if (!parser.Consume(':')) return parser.SyntaxError("':'");
      parser.SkipSpace();
      if (key == "id") {
        if (have_id) return absl::InvalidArgumentError("duplicate key \"id\"");
        have_id = true;
        if (parser.Peek() == '"') {
          NBO_RETURN_IF_ERROR(parser.ParseString(&row->id));
          if (row->id.empty()) {
            return absl::InvalidArgumentError("\"id\" is empty");
          }
        } else if (parser.Peek() == '-' || IsDigit(parser.Peek())) {
          int64_t id = 0;
          absl::string_view text;
          NBO_RETURN_IF_ERROR(parser.ParseInteger(&id, &text));
          if (options_.id_map != nullptr) {
            const std::string* mapped = options_.id_map->Find(id);
            if (mapped == nullptr) {
              return absl::InvalidArgumentError(
                  absl::StrCat("id ", id, " is not in the id map ",
                               options_.id_map->path()));
            }
            row->id = *mapped;
          } else {
            char digits[24];
            auto result = std::to_chars(digits, digits + sizeof(digits), id);
            row->id.assign(digits, result.ptr);
          }
        } else {
          return parser.SyntaxError("an integer or string \"id\"");
        }
      } else if (key == "features") {
        if (have_features) {
          return absl::InvalidArgumentError("duplicate key \"features\"");
        }
        have_features = true;
        if (!parser.Consume('[')) {
          return parser.SyntaxError("'[' starting the \"features\" array");
        }
        parser.SkipSpace();
        if (parser.Peek() == ']') {
          return absl::InvalidArgumentError("\"features\" is empty");
        }
        // Values are stored by index into storage kept from earlier rows,
        // which after the first row is already the right size.
        std::vector<float>& features = row->features;
        size_t count = 0;
        for (;;) {
          parser.SkipSpace();
          if (count == features.size()) {
            features.resize(std::max<size_t>(16, 2 * count));
          }
          if (!parser.TryParseNumber(&features[count])) {
            absl::Status parsed = parser.ParseFeature(count, &features[count]);
            if (!parsed.ok()) {
              features.resize(count);
              return parsed;
            }
          }
          ++count;
          parser.SkipSpace();
          if (parser.Consume(',')) continue;
          if (parser.Consume(']')) break;
          features.resize(count);
          return parser.SyntaxError("',' or ']' in \"features\"");
        }
        features.resize(count);
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat("unexpected key \"", key,
                         "\"; expected only \"id\" and \"features\""));
      }
      parser.SkipSpace();
      if (parser.Consume(',')) continue;
      if (parser.Peek() == '}') break;
      return parser.SyntaxError("',' or '}'");
    }
  }
  parser.Consume('}');
  parser.SkipSpace();
  if (!parser.AtEnd())
    return parser.SyntaxError("end of line after the object");
  if (!have_id) return absl::InvalidArgumentError("missing key \"id\"");
  if (!have_features) {
    return absl::InvalidArgumentError("missing key \"features\"");
  }
  const int features = static_cast<int>(row->features.size());
  if (rank_ == 0) {
    rank_ = features;
    rank_origin_ = absl::StrCat("as in the first row, ", files_[file_index_],
                                ":", line_number_);
  } else if (features != rank_) {
    return absl::InvalidArgumentError(absl::StrCat(
        "row has ", features, " features, expected ", rank_,
        rank_origin_.empty() ? "" : absl::StrCat(" (", rank_origin_, ")")));
  }
  return absl::OkStatus();
}

}  // namespace nbo::data
