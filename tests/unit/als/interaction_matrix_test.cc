// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/als/interaction_matrix.h"

#include <cmath>
#include <limits>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"

namespace nbo::als {
namespace {

using ::nbo::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(InteractionMatrixTest, SumsDuplicatesAndSortsRows) {
  ASSERT_OK_AND_ASSIGN(InteractionMatrix m,
                       InteractionMatrix::Create(3, 4,
                                                 {{0, 2, 1.0f},
                                                  {0, 1, 2.0f},
                                                  {2, 3, 5.0f},
                                                  {0, 2, 0.5f},
                                                  {2, 0, 1.0f}}));
  EXPECT_EQ(m.num_users(), 3);
  EXPECT_EQ(m.num_items(), 4);
  EXPECT_EQ(m.nnz(), 4);
  EXPECT_THAT(m.by_user().RowIndices(0), ElementsAre(1, 2));
  EXPECT_THAT(m.by_user().RowValues(0), ElementsAre(2.0f, 1.5f));
  EXPECT_THAT(m.by_user().RowIndices(1), ElementsAre());
  EXPECT_THAT(m.by_user().RowIndices(2), ElementsAre(0, 3));
  EXPECT_THAT(m.by_user().RowValues(2), ElementsAre(1.0f, 5.0f));
}

TEST(InteractionMatrixTest, TransposeHoldsTheSameCellsByItem) {
  ASSERT_OK_AND_ASSIGN(
      InteractionMatrix m,
      InteractionMatrix::Create(
          3, 4, {{2, 1, 3.0f}, {0, 1, 1.0f}, {1, 3, 2.0f}, {0, 3, 4.0f}}));
  EXPECT_EQ(m.by_item().num_rows(), 4);
  EXPECT_EQ(m.by_item().num_cols(), 3);
  EXPECT_THAT(m.by_item().RowIndices(0), ElementsAre());
  EXPECT_THAT(m.by_item().RowIndices(1), ElementsAre(0, 2));
  EXPECT_THAT(m.by_item().RowValues(1), ElementsAre(1.0f, 3.0f));
  EXPECT_THAT(m.by_item().RowIndices(3), ElementsAre(0, 1));
  EXPECT_THAT(m.by_item().RowValues(3), ElementsAre(4.0f, 2.0f));
}

TEST(InteractionMatrixTest, AcceptsAMatrixWithNoInteractions) {
  ASSERT_OK_AND_ASSIGN(InteractionMatrix m,
                       InteractionMatrix::Create(2, 3, {}));
  EXPECT_EQ(m.nnz(), 0);
  EXPECT_EQ(m.num_users(), 2);
  EXPECT_EQ(m.num_items(), 3);
}

TEST(InteractionMatrixTest, RejectsNegativeIndices) {
  EXPECT_THAT(
      InteractionMatrix::Create(2, 2, {{-1, 0, 1.0f}}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("user index -1")));
  EXPECT_THAT(
      InteractionMatrix::Create(2, 2, {{0, -3, 1.0f}}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("item index -3")));
}

TEST(InteractionMatrixTest, RejectsIndicesOutOfRange) {
  EXPECT_THAT(InteractionMatrix::Create(2, 2, {{0, 0, 1.0f}, {2, 0, 1.0f}}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("interaction 1: user index 2")));
  EXPECT_THAT(
      InteractionMatrix::Create(2, 2, {{1, 2, 1.0f}}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("item index 2")));
}

TEST(InteractionMatrixTest, RejectsNonFiniteValues) {
  EXPECT_THAT(
      InteractionMatrix::Create(
          2, 2, {{0, 0, std::numeric_limits<float>::quiet_NaN()}}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not finite")));
  EXPECT_THAT(
      InteractionMatrix::Create(
          2, 2, {{0, 0, std::numeric_limits<float>::infinity()}}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not finite")));
  EXPECT_THAT(
      InteractionMatrix::Create(
          2, 2, {{0, 0, -std::numeric_limits<float>::infinity()}}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not finite")));
}

TEST(InteractionMatrixTest, RejectsBadDimensions) {
  EXPECT_THAT(
      InteractionMatrix::Create(-1, 2, {}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("dimensions")));
  EXPECT_THAT(
      InteractionMatrix::Create(2, int64_t{1} << 31, {}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("dimensions")));
}

}  // namespace
}  // namespace nbo::als
