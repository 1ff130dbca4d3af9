// Copyright (c) 2026 The nbo Authors. MIT License.
//
// GoogleTest matchers for absl::Status and absl::StatusOr<T>, named like the
// ones newer Abseil releases ship (absl_testing::StatusIs, IsOk):
//
//   EXPECT_THAT(store->Get(key), StatusIs(absl::StatusCode::kNotFound));
//   ASSERT_THAT(manager->Load(id), IsOk());
//   ASSERT_OK_AND_ASSIGN(auto store, Store::Open(options));

#ifndef NBO_LIB_TESTING_STATUS_MATCHERS_H_
#define NBO_LIB_TESTING_STATUS_MATCHERS_H_

#include <ostream>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nbo::testing {
namespace internal {

inline const absl::Status& GetStatus(const absl::Status& status) {
  return status;
}
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

MATCHER_P(StatusCodeIs, code,
          std::string(negation ? "does not have" : "has") + " code " +
              absl::StatusCodeToString(code)) {
  const absl::Status& status = internal::GetStatus(arg);
  *result_listener << "whose status is " << status;
  return status.code() == code;
}

MATCHER_P2(StatusCodeAndMessageAre, code, message_matcher,
           std::string(negation ? "does not have" : "has") + " code " +
               absl::StatusCodeToString(code) + " and a matching message") {
  const absl::Status& status = internal::GetStatus(arg);
  *result_listener << "whose status is " << status;
  return status.code() == code &&
         ::testing::Matches(message_matcher)(std::string(status.message()));
}

}  // namespace internal

// Matches a Status or StatusOr whose code is `code`.
inline auto StatusIs(absl::StatusCode code) {
  return internal::StatusCodeIs(code);
}

// Matches a Status or StatusOr whose code is `code` and whose message matches
// `message_matcher` (e.g. ::testing::HasSubstr("rank")).
template <typename M>
auto StatusIs(absl::StatusCode code, M message_matcher) {
  return internal::StatusCodeAndMessageAre(code, message_matcher);
}

// Matches an OK Status or a StatusOr holding a value.
inline auto IsOk() { return internal::StatusCodeIs(absl::StatusCode::kOk); }

}  // namespace nbo::testing

#define NBO_TESTING_CONCAT_INNER_(x, y) x##y
#define NBO_TESTING_CONCAT_(x, y) NBO_TESTING_CONCAT_INNER_(x, y)

// Asserts that `rexpr` holds a value and moves it into `lhs`.
#define ASSERT_OK_AND_ASSIGN(lhs, rexpr)                         \
  auto NBO_TESTING_CONCAT_(nbo_statusor_, __LINE__) = (rexpr);   \
  ASSERT_TRUE(NBO_TESTING_CONCAT_(nbo_statusor_, __LINE__).ok()) \
      << NBO_TESTING_CONCAT_(nbo_statusor_, __LINE__).status();  \
  lhs = std::move(NBO_TESTING_CONCAT_(nbo_statusor_, __LINE__)).value()

#endif  // NBO_LIB_TESTING_STATUS_MATCHERS_H_
