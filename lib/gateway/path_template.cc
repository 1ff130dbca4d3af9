// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/gateway/path_template.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "lib/common/quote.h"
#include "lib/common/status_macros.h"
#include "lib/gateway/percent_decoding.h"

namespace nbo::gateway {
namespace {

bool IsLiteralChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
         absl::StrContains("-._~!$&'()+,;@", c);
}

bool IsIdentStart(char c) {
  return absl::ascii_isalpha(static_cast<unsigned char>(c)) || c == '_';
}

bool IsIdentChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// Recursive descent over the grammar of route_table.h. Every error says
// what was expected at which offset.
class Parser {
 public:
  explicit Parser(absl::string_view text) : text_(text) {}

  absl::Status Parse(std::vector<PathTemplate::Segment>* segments,
                     std::vector<PathTemplate::Variable>* variables,
                     std::string* verb) {
    segments_ = segments;
    variables_ = variables;
    if (!Consume('/')) return Error("expected '/'");
    if (AtEnd()) return Error("expected a segment");
    NBO_RETURN_IF_ERROR(ParseSegments());
    if (Consume(':')) {
      NBO_RETURN_IF_ERROR(ParseLiteral(verb));
    }
    if (!AtEnd()) return Error("unexpected character");
    return absl::OkStatus();
  }

 private:
  // Segments = Segment { "/" Segment } ;
  absl::Status ParseSegments() {
    NBO_RETURN_IF_ERROR(ParseSegment());
    while (Consume('/')) {
      NBO_RETURN_IF_ERROR(ParseSegment());
    }
    return absl::OkStatus();
  }

  // Segment = "*" | "**" | LITERAL | Variable ;
  absl::Status ParseSegment() {
    if (Consume('{')) return ParseVariable();
    PathTemplate::Segment segment;
    if (Consume('*')) {
      segment.kind = Consume('*') ? PathTemplate::Kind::kAnyPath
                                  : PathTemplate::Kind::kAny;
      if (!AtEnd() && !absl::StrContains("/:}", Peek())) {
        return Error("expected '/', ':' or '}' after a wildcard");
      }
    } else {
      NBO_RETURN_IF_ERROR(ParseLiteral(&segment.literal));
    }
    segments_->push_back(std::move(segment));
    return absl::OkStatus();
  }

  // Variable = "{" FieldPath [ "=" Segments ] "}" ;
  absl::Status ParseVariable() {
    if (in_variable_) return Error("variables do not nest");
    PathTemplate::Variable variable;
    NBO_RETURN_IF_ERROR(ParseFieldPath(&variable.field_path));
    variable.begin = segments_->size();
    if (Consume('=')) {
      in_variable_ = true;
      NBO_RETURN_IF_ERROR(ParseSegments());
      in_variable_ = false;
    } else {
      segments_->push_back({PathTemplate::Kind::kAny, ""});
    }
    if (!Consume('}')) return Error("expected '}'");
    variable.end = segments_->size();
    variables_->push_back(std::move(variable));
    return absl::OkStatus();
  }

  // FieldPath = IDENT { "." IDENT } ;
  absl::Status ParseFieldPath(std::string* path) {
    do {
      if (!path->empty()) *path += '.';
      if (AtEnd() || !IsIdentStart(Peek())) {
        return Error("expected a field name");
      }
      while (!AtEnd() && IsIdentChar(Peek())) *path += text_[pos_++];
    } while (Consume('.'));
    return absl::OkStatus();
  }

  absl::Status ParseLiteral(std::string* literal) {
    while (!AtEnd() && IsLiteralChar(Peek())) *literal += text_[pos_++];
    if (literal->empty()) return Error("expected a literal");
    return absl::OkStatus();
  }

  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return text_[pos_]; }
  bool Consume(char c) {
    if (AtEnd() || Peek() != c) return false;
    ++pos_;
    return true;
  }
  absl::Status Error(absl::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat("path template ", common::QuoteForError(text_), ": ", what,
                     " at offset ", pos_));
  }

  const absl::string_view text_;
  size_t pos_ = 0;
  bool in_variable_ = false;
  std::vector<PathTemplate::Segment>* segments_ = nullptr;
  std::vector<PathTemplate::Variable>* variables_ = nullptr;
};

}  // namespace

RequestPath::RequestPath(absl::string_view path) {
  if (!absl::ConsumePrefix(&path, "/")) return;
  valid_ = true;
  absl::ConsumeSuffix(&path, "/");
  if (path.empty()) return;
  segments_ = absl::StrSplit(path, '/');
}

absl::StatusOr<PathTemplate> PathTemplate::Parse(absl::string_view text) {
  PathTemplate result;
  result.text_ = std::string(text);
  Parser parser(text);
  NBO_RETURN_IF_ERROR(
      parser.Parse(&result.segments_, &result.variables_, &result.verb_));

  const auto invalid = [&](absl::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat(
        "path template ", common::QuoteForError(text), ": ", what));
  };
  bool after_any_path = false;
  for (const Segment& segment : result.segments_) {
    if (after_any_path && segment.kind != Kind::kLiteral) {
      return invalid("only literal segments may follow '**'");
    }
    if (segment.kind == Kind::kAnyPath) after_any_path = true;
  }
  absl::flat_hash_set<absl::string_view> fields;
  for (const Variable& variable : result.variables_) {
    if (!fields.insert(variable.field_path).second) {
      return invalid(
          absl::StrCat("field ", variable.field_path, " is bound twice"));
    }
  }
  return result;
}

std::string PathTemplate::Shape() const {
  std::string shape;
  for (const Segment& segment : segments_) {
    shape += '/';
    switch (segment.kind) {
      case Kind::kLiteral:
        shape += segment.literal;
        break;
      case Kind::kAny:
        shape += '*';
        break;
      case Kind::kAnyPath:
        shape += "**";
        break;
    }
  }
  if (!verb_.empty()) absl::StrAppend(&shape, ":", verb_);
  return shape;
}

int PathTemplate::LiteralCount() const {
  int count = verb_.empty() ? 0 : 1;
  for (const Segment& segment : segments_) {
    if (segment.kind == Kind::kLiteral) ++count;
  }
  return count;
}

bool PathTemplate::HasAnyPath() const {
  return std::any_of(segments_.begin(), segments_.end(),
                     [](const Segment& s) { return s.kind == Kind::kAnyPath; });
}

bool PathTemplate::MoreSpecificThan(const PathTemplate& other) const {
  const int literals = LiteralCount(), other_literals = other.LiteralCount();
  if (literals != other_literals) return literals > other_literals;
  const bool any_path = HasAnyPath(), other_any_path = other.HasAnyPath();
  if (any_path != other_any_path) return other_any_path;
  const size_t n = std::min(segments_.size(), other.segments_.size());
  for (size_t i = 0; i < n; ++i) {
    const Kind kind = segments_[i].kind, other_kind = other.segments_[i].kind;
    if (kind != other_kind) return kind < other_kind;
  }
  return false;
}

void PathTemplate::Span(size_t i, size_t n, size_t* begin, size_t* end) const {
  // Template segments before a "**" map one to one from the start, those
  // after it from the end; the "**" covers what lies between.
  size_t any_path = segments_.size();
  for (size_t k = 0; k < segments_.size(); ++k) {
    if (segments_[k].kind == Kind::kAnyPath) any_path = k;
  }
  const size_t tail = segments_.size() - i;  // from the end, when after "**"
  if (i < any_path) {
    *begin = i;
    *end = i + 1;
  } else if (i == any_path) {
    *begin = i;
    *end = n - (segments_.size() - i - 1);
  } else {
    *begin = n - tail;
    *end = *begin + 1;
  }
}

bool PathTemplate::SegmentsMatch(
    const std::vector<absl::string_view>& path) const {
  const size_t fixed = HasAnyPath() ? segments_.size() - 1 : segments_.size();
  if (HasAnyPath() ? path.size() < fixed : path.size() != fixed) return false;
  std::string decoded;
  for (size_t i = 0; i < segments_.size(); ++i) {
    size_t begin, end;
    Span(i, path.size(), &begin, &end);
    for (size_t k = begin; k < end; ++k) {
      if (path[k].empty()) return false;
    }
    if (segments_[i].kind != Kind::kLiteral) continue;
    decoded.clear();
    if (!AppendPercentDecoded(path[begin], Decoding::kPathSegment, &decoded) ||
        decoded != segments_[i].literal) {
      return false;
    }
  }
  return true;
}

bool PathTemplate::Match(const RequestPath& request,
                         std::vector<PathBinding>* bindings) const {
  if (!request.valid()) return false;
  std::vector<absl::string_view> path = request.segments();
  if (!verb_.empty()) {
    if (path.empty() ||
        !absl::ConsumeSuffix(&path.back(), absl::StrCat(":", verb_))) {
      return false;
    }
  }
  if (!SegmentsMatch(path)) return false;
  bindings->clear();
  for (const Variable& variable : variables_) {
    size_t begin, end, unused;
    Span(variable.begin, path.size(), &begin, &unused);
    Span(variable.end - 1, path.size(), &unused, &end);
    const bool one_segment = variable.end - variable.begin == 1 &&
                             segments_[variable.begin].kind != Kind::kAnyPath;
    PathBinding binding;
    binding.field_path = variable.field_path;
    for (size_t k = begin; k < end; ++k) {
      if (k > begin) binding.value += '/';
      if (!AppendPercentDecoded(path[k],
                                one_segment ? Decoding::kPathSegment
                                            : Decoding::kPathSegmentKeepSlash,
                                &binding.value)) {
        return false;
      }
    }
    bindings->push_back(std::move(binding));
  }
  return true;
}

}  // namespace nbo::gateway
