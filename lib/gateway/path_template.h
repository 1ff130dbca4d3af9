// Copyright (c) 2026 The nbo Authors. MIT License.
//
// One google.api.http path template, parsed, and the matching of request
// paths against it. Internal to lib/gateway: RouteTable owns one per route.
//
//   PathTemplate: "/v1/{name=projects/*/jobs/**}:watch"
//     segments  literal "v1", literal "projects", "*", literal "jobs", "**"
//     variables name -> segments [1, 5)
//     verb      "watch"
//
// Matching looks at the path's segments before percent-decoding (so a
// "%2F" never splits a segment) and decodes what it compares or binds:
// a variable of one segment ("{id}", "{id=*}") binds the segment fully
// decoded, "%2F" included; a variable of several segments ("{name=a/*}",
// "{path=**}") binds the segments joined by '/', each decoded except for
// "%2F", which stays encoded as google/api/http.proto specifies, so the
// value's slashes are exactly the path's. Empty segments match nothing,
// and neither does a segment that is not valid percent-encoding.

#ifndef NBO_LIB_GATEWAY_PATH_TEMPLATE_H_
#define NBO_LIB_GATEWAY_PATH_TEMPLATE_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/gateway/route_table.h"

namespace nbo::gateway {

// A request path split once, to be matched against many templates.
class RequestPath {
 public:
  // `path` is the part of the target before '?', still percent-encoded.
  // One trailing '/' is dropped; "/" has no segments. A path that does not
  // start with '/' has no segments and valid() false.
  explicit RequestPath(absl::string_view path);

  bool valid() const { return valid_; }
  // The raw segments; the last one still carries any ":verb".
  const std::vector<absl::string_view>& segments() const { return segments_; }

 private:
  bool valid_ = false;
  std::vector<absl::string_view> segments_;
};

// Immutable after Parse(); const methods are safe from any thread.
class PathTemplate {
 public:
  enum class Kind {
    kLiteral,  // matches the one segment that decodes to `literal`
    kAny,      // "*": any one segment
    kAnyPath,  // "**": zero or more segments
  };
  struct Segment {
    Kind kind = Kind::kLiteral;
    std::string literal;
  };
  struct Variable {
    std::string field_path;  // "a.b"
    size_t begin = 0;        // index of its first segment in segments()
    size_t end = 0;          // one past its last segment
  };

  // The template, or INVALID_ARGUMENT saying where it breaks the grammar
  // (route_table.h) or these rules: at most one "**", followed by literal
  // segments only; a field bound at most once; literals of unreserved
  // characters and sub-delimiters (no '%', '*', '{', '}', '=', '?', '#').
  static absl::StatusOr<PathTemplate> Parse(absl::string_view text);

  const std::string& text() const { return text_; }
  const std::vector<Segment>& segments() const { return segments_; }
  const std::vector<Variable>& variables() const { return variables_; }
  // "" when the template has none.
  const std::string& verb() const { return verb_; }

  // The template with variables replaced by what they match
  // ("/v1/*/x/**:verb"): two templates of one shape match the same paths.
  std::string Shape() const;

  // True if this template should win over `other` for a path both match:
  // more literal segments (the verb counts as one), then no "**" over one,
  // then a literal at the first position where the two differ.
  bool MoreSpecificThan(const PathTemplate& other) const;

  // True if `path` matches; then `bindings` holds one entry per variable,
  // in template order.
  bool Match(const RequestPath& path, std::vector<PathBinding>* bindings) const;

 private:
  PathTemplate() = default;
  int LiteralCount() const;
  bool HasAnyPath() const;
  // The path segments template segment `i` covers, given `n` path segments:
  // [*begin, *end).
  void Span(size_t i, size_t n, size_t* begin, size_t* end) const;
  bool SegmentsMatch(const std::vector<absl::string_view>& path) const;

  std::string text_;
  std::vector<Segment> segments_;
  std::vector<Variable> variables_;
  std::string verb_;
};

}  // namespace nbo::gateway

#endif  // NBO_LIB_GATEWAY_PATH_TEMPLATE_H_
