// Copyright (c) 2026 The nbo Authors. MIT License.

#include "services/common/prometheus_text.h"

#include <cmath>
#include <limits>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "lib/common/status_macros.h"

namespace nbo::services {
namespace {

bool IsNameChar(char c, bool first) {
  return absl::ascii_isalpha(static_cast<unsigned char>(c)) || c == '_' ||
         c == ':' ||
         (!first && absl::ascii_isdigit(static_cast<unsigned char>(c)));
}

// Consumes a metric or label name from the front of `*line`; empty when
// there is none.
absl::string_view ConsumeName(absl::string_view* line) {
  size_t end = 0;
  while (end < line->size() && IsNameChar((*line)[end], end == 0)) ++end;
  absl::string_view name = line->substr(0, end);
  line->remove_prefix(end);
  return name;
}

// Consumes `"value"` from the front of `*line`, unescaping it.
absl::StatusOr<std::string> ConsumeQuoted(absl::string_view* line) {
  if (line->empty() || line->front() != '"') {
    return absl::InvalidArgumentError("a label value must be quoted");
  }
  std::string value;
  for (size_t i = 1; i < line->size(); ++i) {
    const char c = (*line)[i];
    if (c == '"') {
      line->remove_prefix(i + 1);
      return value;
    }
    if (c == '\\' && i + 1 < line->size()) {
      const char next = (*line)[++i];
      value.push_back(next == 'n' ? '\n' : next);
    } else {
      value.push_back(c);
    }
  }
  return absl::InvalidArgumentError("unterminated label value");
}

// Consumes `{name="value",...}` (the braces included) from `*line`.
absl::Status ConsumeLabels(absl::string_view* line, PrometheusSample* sample) {
  line->remove_prefix(1);  // '{'
  for (;;) {
    *line = absl::StripLeadingAsciiWhitespace(*line);
    if (absl::ConsumePrefix(line, "}")) return absl::OkStatus();
    const absl::string_view name = ConsumeName(line);
    if (name.empty() || !absl::ConsumePrefix(line, "=")) {
      return absl::InvalidArgumentError("expected label=\"value\"");
    }
    NBO_ASSIGN_OR_RETURN(std::string value, ConsumeQuoted(line));
    sample->labels.emplace_back(std::string(name), std::move(value));
    *line = absl::StripLeadingAsciiWhitespace(*line);
    if (!absl::ConsumePrefix(line, ",") && !absl::StartsWith(*line, "}")) {
      return absl::InvalidArgumentError("expected ',' or '}' after a label");
    }
  }
}

absl::StatusOr<double> ParseValue(absl::string_view text) {
  if (text == "+Inf" || text == "Inf") {
    return std::numeric_limits<double>::infinity();
  }
  if (text == "-Inf") return -std::numeric_limits<double>::infinity();
  if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
  double value = 0;
  if (!absl::SimpleAtod(text, &value)) {
    return absl::InvalidArgumentError(absl::StrCat("bad value '", text, "'"));
  }
  return value;
}

absl::StatusOr<PrometheusSample> ParseSampleLine(absl::string_view line) {
  PrometheusSample sample;
  sample.name = std::string(ConsumeName(&line));
  if (sample.name.empty()) {
    return absl::InvalidArgumentError("expected a metric name");
  }
  if (absl::StartsWith(line, "{")) {
    NBO_RETURN_IF_ERROR(ConsumeLabels(&line, &sample));
  }
  const std::vector<absl::string_view> fields =
      absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
  if (fields.empty() || fields.size() > 2) {
    return absl::InvalidArgumentError(
        "expected a value and an optional timestamp");
  }
  NBO_ASSIGN_OR_RETURN(sample.value, ParseValue(fields[0]));
  return sample;
}

bool HasLabels(const PrometheusSample& sample,
               const std::vector<std::pair<std::string, std::string>>& labels) {
  for (const auto& wanted : labels) {
    bool found = false;
    for (const auto& label : sample.labels) found = found || label == wanted;
    if (!found) return false;
  }
  return true;
}

std::string Describe(
    absl::string_view name,
    const std::vector<std::pair<std::string, std::string>>& labels) {
  return absl::StrCat(name, "{",
                      absl::StrJoin(labels, ",",
                                    [](std::string* out, const auto& label) {
                                      absl::StrAppend(out, label.first, "=\"",
                                                      label.second, "\"");
                                    }),
                      "}");
}

}  // namespace

absl::StatusOr<std::vector<PrometheusSample>> ParsePrometheusText(
    absl::string_view text) {
  std::vector<PrometheusSample> samples;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    absl::StatusOr<PrometheusSample> sample = ParseSampleLine(line);
    if (!sample.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", line_number, ": ", sample.status().message(),
                       ": '", line.substr(0, 200), "'"));
    }
    samples.push_back(*std::move(sample));
  }
  return samples;
}

absl::StatusOr<double> FindPrometheusSample(
    const std::vector<PrometheusSample>& samples, absl::string_view name,
    const std::vector<std::pair<std::string, std::string>>& labels) {
  const PrometheusSample* found = nullptr;
  for (const PrometheusSample& sample : samples) {
    if (sample.name != name || !HasLabels(sample, labels)) continue;
    if (found != nullptr) {
      return absl::FailedPreconditionError(absl::StrCat(
          "more than one sample matches ", Describe(name, labels)));
    }
    found = &sample;
  }
  if (found == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("no sample matches ", Describe(name, labels)));
  }
  return found->value;
}

}  // namespace nbo::services
