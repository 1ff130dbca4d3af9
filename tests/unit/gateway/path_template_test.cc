// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/gateway/path_template.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"

namespace nbo::gateway {
namespace {

using ::nbo::testing::IsOk;
using ::nbo::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Kind = PathTemplate::Kind;

PathTemplate MustParse(absl::string_view text) {
  absl::StatusOr<PathTemplate> parsed = PathTemplate::Parse(text);
  EXPECT_THAT(parsed, IsOk()) << text;
  return parsed.ok() ? *std::move(parsed) : *PathTemplate::Parse("/x");
}

std::vector<Kind> Kinds(const PathTemplate& t) {
  std::vector<Kind> kinds;
  for (const PathTemplate::Segment& segment : t.segments()) {
    kinds.push_back(segment.kind);
  }
  return kinds;
}

// The bindings as "field=value" strings, or {"<no match>"}.
std::vector<std::string> Bind(absl::string_view template_text,
                              absl::string_view path) {
  const PathTemplate t = MustParse(template_text);
  std::vector<PathBinding> bindings;
  if (!t.Match(RequestPath(path), &bindings)) return {"<no match>"};
  std::vector<std::string> out;
  for (const PathBinding& b : bindings) {
    out.push_back(b.field_path + "=" + b.value);
  }
  return out;
}

bool Matches(absl::string_view template_text, absl::string_view path) {
  return Bind(template_text, path) != std::vector<std::string>{"<no match>"};
}

TEST(PathTemplateTest, ParsesLiterals) {
  const PathTemplate t = MustParse("/v1/customers");
  EXPECT_THAT(Kinds(t), ElementsAre(Kind::kLiteral, Kind::kLiteral));
  EXPECT_EQ(t.segments()[1].literal, "customers");
  EXPECT_TRUE(t.variables().empty());
  EXPECT_EQ(t.verb(), "");
  EXPECT_EQ(t.Shape(), "/v1/customers");
}

TEST(PathTemplateTest, ParsesWildcards) {
  EXPECT_THAT(
      Kinds(MustParse("/v1/*/x/**")),
      ElementsAre(Kind::kLiteral, Kind::kAny, Kind::kLiteral, Kind::kAnyPath));
}

TEST(PathTemplateTest, ParsesAVariableAsASingleWildcard) {
  const PathTemplate t = MustParse("/v1/customers/{customer_id}/offers");
  EXPECT_EQ(t.Shape(), "/v1/customers/*/offers");
  ASSERT_EQ(t.variables().size(), 1u);
  EXPECT_EQ(t.variables()[0].field_path, "customer_id");
  EXPECT_EQ(t.variables()[0].begin, 2u);
  EXPECT_EQ(t.variables()[0].end, 3u);
  EXPECT_EQ(MustParse("/v1/customers/{customer_id=*}/offers").Shape(),
            t.Shape());
}

TEST(PathTemplateTest, ParsesMultiSegmentAndNestedVariables) {
  const PathTemplate t = MustParse("/v1/{name=projects/*/jobs/**}:watch");
  EXPECT_EQ(t.Shape(), "/v1/projects/*/jobs/**:watch");
  EXPECT_EQ(t.verb(), "watch");
  ASSERT_EQ(t.variables().size(), 1u);
  EXPECT_EQ(t.variables()[0].begin, 1u);
  EXPECT_EQ(t.variables()[0].end, 5u);
  EXPECT_EQ(MustParse("/v1/{a.b.c}").variables()[0].field_path, "a.b.c");
  EXPECT_EQ(MustParse("/v1/{path=**}").Shape(), "/v1/**");
}

TEST(PathTemplateTest, ParsesVerbs) {
  EXPECT_EQ(MustParse("/v1/recommend:batch").verb(), "batch");
  EXPECT_EQ(MustParse("/v1/training_jobs/{job_id}:watch").Shape(),
            "/v1/training_jobs/*:watch");
}

TEST(PathTemplateTest, RejectsWhatTheGrammarDoesNot) {
  for (const char* bad : {"",
                          "v1/x",
                          "/",
                          "/v1/",
                          "//v1",
                          "/v1//x",
                          "/v1/{",
                          "/v1/{}",
                          "/v1/{x",
                          "/v1/{x=}",
                          "/v1/{1x}",
                          "/v1/{x.}",
                          "/v1/{x=a/{y}}",
                          "/v1/x:",
                          "/v1/x:a:b",
                          "/v1/*x",
                          "/v1/***",
                          "/v1/a%2Fb",
                          "/v1/a b",
                          "/v1/a?b",
                          "/v1/x}",
                          "/v1/{x}y",
                          "/v1/{x=*}:"}) {
    EXPECT_THAT(PathTemplate::Parse(bad),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << "'" << bad << "'";
  }
}

TEST(PathTemplateTest, SaysWhereATemplateBreaks) {
  EXPECT_THAT(PathTemplate::Parse("/v1/{x"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("expected '}' at offset 6")));
}

TEST(PathTemplateTest, AllowsOnlyLiteralsAfterDoubleWildcard) {
  EXPECT_THAT(PathTemplate::Parse("/v1/**/meta"), IsOk());
  EXPECT_THAT(PathTemplate::Parse("/v1/**/*"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(PathTemplate::Parse("/v1/**/{x}"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(PathTemplate::Parse("/v1/{a=**}/{b=**}"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(PathTemplateTest, RejectsAFieldBoundTwice) {
  EXPECT_THAT(
      PathTemplate::Parse("/v1/{id}/x/{id}"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("bound twice")));
}

TEST(PathTemplateTest, MatchesLiteralsExactly) {
  EXPECT_TRUE(Matches("/v1/models", "/v1/models"));
  EXPECT_FALSE(Matches("/v1/models", "/v1/model"));
  EXPECT_FALSE(Matches("/v1/models", "/v1/models/x"));
  EXPECT_FALSE(Matches("/v1/models", "/v1"));
  EXPECT_FALSE(Matches("/v1/models", "v1/models"));
  // Literals compare decoded.
  EXPECT_TRUE(Matches("/v1/models", "/v1/mod%65ls"));
}

TEST(PathTemplateTest, IgnoresOneTrailingSlash) {
  EXPECT_TRUE(Matches("/v1/models", "/v1/models/"));
  EXPECT_FALSE(Matches("/v1/models", "/v1/models//"));
  EXPECT_THAT(Bind("/v1/customers/{id}", "/v1/customers/C1/"),
              ElementsAre("id=C1"));
}

TEST(PathTemplateTest, BindsSingleSegmentsFullyDecoded) {
  EXPECT_THAT(Bind("/v1/customers/{id}/offers", "/v1/customers/C%201/offers"),
              ElementsAre("id=C 1"));
  // "%2F" is a '/' inside the value, not a separator.
  EXPECT_THAT(Bind("/v1/customers/{id}/offers", "/v1/customers/a%2Fb/offers"),
              ElementsAre("id=a/b"));
  EXPECT_FALSE(
      Matches("/v1/customers/{id}/offers", "/v1/customers/a/b/offers"));
}

TEST(PathTemplateTest, EmptyAndMalformedSegmentsMatchNothing) {
  EXPECT_FALSE(Matches("/v1/customers/{id}/offers", "/v1/customers//offers"));
  EXPECT_FALSE(Matches("/v1/customers/{id}", "/v1/customers/%zz"));
  EXPECT_FALSE(Matches("/v1/customers/{id}", "/v1/customers/%2"));
  EXPECT_FALSE(Matches("/v1/{path=**}", "/v1/a//b"));
}

TEST(PathTemplateTest, BindsMultipleSegmentsKeepingEncodedSlashes) {
  EXPECT_THAT(
      Bind("/v1/{name=projects/*/jobs/*}", "/v1/projects/p%201/jobs/j1"),
      ElementsAre("name=projects/p 1/jobs/j1"));
  EXPECT_THAT(Bind("/v1/files/{path=**}", "/v1/files/a/b%2Fc/d"),
              ElementsAre("path=a/b%2Fc/d"));
  EXPECT_THAT(Bind("/v1/files/{path=**}", "/v1/files"), ElementsAre("path="));
  EXPECT_FALSE(Matches("/v1/{name=projects/*/jobs/*}", "/v1/projects/p/x/j"));
}

TEST(PathTemplateTest, MatchesLiteralsAfterDoubleWildcard) {
  EXPECT_TRUE(Matches("/v1/tree/**/meta", "/v1/tree/a/b/meta"));
  EXPECT_TRUE(Matches("/v1/tree/**/meta", "/v1/tree/meta"));
  EXPECT_FALSE(Matches("/v1/tree/**/meta", "/v1/tree/a/b"));
  EXPECT_THAT(Bind("/v1/{path=**}/meta:get", "/v1/a/b/meta:get"),
              ElementsAre("path=a/b"));
}

TEST(PathTemplateTest, MatchesVerbsOnlyWithTheVerb) {
  EXPECT_THAT(
      Bind("/v1/training_jobs/{job_id}:watch", "/v1/training_jobs/J1:watch"),
      ElementsAre("job_id=J1"));
  EXPECT_FALSE(
      Matches("/v1/training_jobs/{job_id}:watch", "/v1/training_jobs/J1"));
  EXPECT_FALSE(Matches("/v1/training_jobs/{job_id}:watch",
                       "/v1/training_jobs/J1:cancel"));
  EXPECT_FALSE(
      Matches("/v1/training_jobs/{job_id}:watch", "/v1/training_jobs/:watch"));
  EXPECT_TRUE(Matches("/v1/recommend:batch", "/v1/recommend:batch"));
  EXPECT_TRUE(Matches("/v1/recommend:batch", "/v1/recommend:batch/"));
  EXPECT_FALSE(Matches("/v1/recommend:batch", "/v1/recommend"));
  // An encoded ':' is part of the segment, not a verb separator.
  EXPECT_FALSE(Matches("/v1/recommend:batch", "/v1/recommend%3Abatch"));
}

TEST(PathTemplateTest, WithoutAVerbAColonIsPartOfTheSegment) {
  EXPECT_THAT(Bind("/v1/training_jobs/{job_id}", "/v1/training_jobs/J1:watch"),
              ElementsAre("job_id=J1:watch"));
}

TEST(PathTemplateTest, RootMatchesOnlyAnEmptyDoubleWildcard) {
  EXPECT_TRUE(Matches("/**", "/"));
  EXPECT_THAT(Bind("/{rest=**}", "/a/b"), ElementsAre("rest=a/b"));
  EXPECT_FALSE(Matches("/v1", "/"));
}

TEST(PathTemplateTest,
     PrefersMoreLiteralsThenNoDoubleWildcardThenEarlyLiterals) {
  const PathTemplate literal = MustParse("/v1/things/special");
  const PathTemplate variable = MustParse("/v1/things/{id}");
  EXPECT_TRUE(literal.MoreSpecificThan(variable));
  EXPECT_FALSE(variable.MoreSpecificThan(literal));
  EXPECT_TRUE(
      MustParse("/v1/{id}:watch").MoreSpecificThan(MustParse("/v1/{id}")));
  EXPECT_TRUE(MustParse("/v1/*").MoreSpecificThan(MustParse("/v1/**")));
  EXPECT_TRUE(MustParse("/v1/a/*").MoreSpecificThan(MustParse("/v1/*/a")));
  EXPECT_FALSE(variable.MoreSpecificThan(MustParse("/v1/things/{other}")));
}

}  // namespace
}  // namespace nbo::gateway
