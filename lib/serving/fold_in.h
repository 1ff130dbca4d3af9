// Copyright (c) 2026 The nbo Authors. MIT License.
//
// Real-time fold-in: a customer factor for someone the version was not
// trained on (or whose events changed since), computed on the request path
// against the version's fixed item factors the way the trainer computed
// every user row. Also the two answers that come from the same algebra: why
// a product scores what it does, and which products sit near a product in
// factor space.
//
// What fold-in and explanations compute depends on the version's kind
// (model::ModelKind), dispatched once per call:
//   implicit ALS  the customer's normal equations solved against the item
//                 factors and their gramian (the `implicit` library's
//                 recalculate_user and explain);
//   EASE          the customer's weighted row itself (als::EaseUserVector:
//                 no solve), and product j's share of item i's score is
//                 x_uj B[j][i].
//
//   absl::StatusOr<FoldInConfig> config =
//       FoldInConfigFromLabels(version->labels());  // Once per version.
//   InteractionRow row;
//   BuildInteractionRow(*version, events, config->weights, &row);
//   absl::StatusOr<std::vector<float>> factor =
//       FoldIn(*version, *config, row);
//   std::vector<model::ScoredProduct> top = version->TopN(*factor, 3);
//
// Everything here is a free function of immutable inputs: safe from any
// number of threads.

#ifndef NBO_LIB_SERVING_FOLD_IN_H_
#define NBO_LIB_SERVING_FOLD_IN_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "lib/data/bank_data.h"
#include "lib/model/model_version.h"

namespace nbo::serving {

// The training hyperparameters fold-in must reuse to solve what the trainer
// solved, read from a version's labels. EASE versions use weights and
// training_end only (their fold-in has nothing to solve).
struct FoldInConfig {
  // lambda, label "regularization".
  // Default: 10 (the trainer's default).
  float regularization = 10;
  // Confidence c = 1 + alpha * |r|, label "alpha".
  // Default: 1 (the trainer's default).
  float alpha = 1;
  // Label "cg_steps". The trainer's per-iteration step count, kept for
  // reference: FoldIn() solves exactly and does not use it.
  // Default: 3 (the trainer's default).
  int cg_steps = 3;
  // How events become implicit feedback, label "event_weights" (the
  // data::ParseEventWeights format, applied over the defaults).
  // Default: data::EventWeights{}.
  data::EventWeights weights;
  // The time of the newest event the version was trained on, label
  // "data_max_time" (ISO-8601): events after it are news to the version.
  // Default: absl::InfinitePast(), meaning unknown.
  absl::Time training_end = absl::InfinitePast();
};

// The config a version's `labels` describe; an absent label keeps its
// default (see FoldInConfig), so versions from older trainers fold in with
// the trainer's defaults. INVALID_ARGUMENT, naming the label, when one is
// malformed: regularization or alpha not a finite number >= 0, cg_steps not
// an integer >= 1, event_weights rejected by data::ParseEventWeights, or
// data_max_time rejected by data::ParseTimestamp.
absl::StatusOr<FoldInConfig> FoldInConfigFromLabels(
    const std::map<std::string, std::string>& labels);

// One thing a customer did with a product.
struct CustomerEvent {
  // Not owned: must outlive the call it is passed to.
  absl::string_view product_id;
  data::Event event = data::Event::kView;
};

// One product's implicit feedback from one customer, before aggregation:
// the product's catalog index and an event's signed weight
// (data::EventWeights::Of: negative for a decline).
struct ItemWeight {
  int32_t item = 0;
  float weight = 0;
};

// A customer's row of the implicit-feedback matrix r_u (see lib/als/als.h):
// the products with net feedback and that feedback, as the trainer's
// InteractionMatrix row holds them. A plain value; reuse one across calls
// to keep its capacity.
struct InteractionRow {
  // Catalog indices, strictly increasing.
  std::vector<int32_t> items;
  // items[k]'s net signed weight r: > 0 interest (preference 1), < 0 a
  // refusal (preference 0, held with confidence 1 + alpha |r|).
  std::vector<float> values;
};

// The one aggregation of a customer's feedback, shared by training and fold-in
// so that both see the same row. Replaces `*row` with: per item, the sum of
// its weights in input order (float, as als::InteractionMatrix::Create sums
// duplicate cells), keeping the items whose sum is not 0. A zero weight
// changes no sum, and a zero sum is what lib/als reads as no entry, so
// dropping either changes no factor. Allocation-free once `row` and this
// thread's scratch have seen a row as long.
// REQUIRES: every weight is finite.
void AggregateItemWeights(absl::Span<const ItemWeight> cells,
                          InteractionRow* row);

// `events` (in the order they happened) as `version`'s interaction row:
// each event weighs weights.Of(event) and AggregateItemWeights() sums them.
// Events of products the version does not know are skipped.
void BuildInteractionRow(const model::ModelVersion& version,
                         absl::Span<const CustomerEvent> events,
                         const data::EventWeights& weights,
                         InteractionRow* row);
InteractionRow BuildInteractionRow(const model::ModelVersion& version,
                                   absl::Span<const CustomerEvent> events,
                                   const data::EventWeights& weights);

// The customer factor (rank() floats) for `row`.
//
// Implicit ALS: als::SolveUserRow against the version's item factors and
// gramian with config's regularization and alpha, solved exactly
// (als::Solver::kCholesky). The trainer solves the same normal equations
// with a few conjugate-gradient steps per iteration, warm-started from the
// previous iteration's factor, so its factor is an approximation of this
// exact solution that improves every iteration; a fold-in has no previous
// factor to start from, and a few steps from zero would stop far from it.
// Tens of microseconds at rank 64.
//
// EASE: als::EaseUserVector(row), the vector the trainer published for a
// customer with the same row, bit for bit; config is not used.
//
// FAILED_PRECONDITION when the row is empty (nothing to fold in: callers
// fall back to popularity). INVALID_ARGUMENT when the row or (ALS) config
// is malformed (sizes differ, an item out of range, a value not finite,
// regularization or alpha negative or not finite). FAILED_PRECONDITION
// when the ALS solution is not finite (regularization 0 and a
// rank-deficient gramian).
absl::StatusOr<std::vector<float>> FoldIn(const model::ModelVersion& version,
                                          const FoldInConfig& config,
                                          const InteractionRow& row);

// The row a stored customer factor stands for, when the version's kind can
// tell. EASE: the factor's positive entries (a customer's EASE factor is
// their weighted row, so FoldIn of the result is `factor` again and
// ScoreContributions over it are the terms of the served score). Implicit
// ALS: nullopt, a factor does not determine a row.
// REQUIRES: factor.size() == version.rank().
std::optional<InteractionRow> RowOfFactor(const model::ModelVersion& version,
                                          absl::Span<const float> factor);

// One product of a customer's row and its share of a score.
struct Contribution {
  int32_t item = 0;  // Catalog index, one of the row's items.
  double weight = 0;
};

// The decomposition of `item`'s fold-in score over the row's products. One
// contribution per row product, in row order; they sum to
// y_item . FoldIn(version, config, row) (computed in double, so up to the
// fold-in's float rounding).
//
// EASE: product j contributes x_uj B[j][item] (x_uj = als::EaseWeight of
// its value): the score's terms themselves. A refused product (x_uj = 0)
// and the item itself (B[item][item] = 0) contribute 0.
//
// Implicit ALS (Hu, Koren, Volinsky, section 5; the `implicit` library's
// explain): with
// W = YtY + Y_u^T (C_u - I) Y_u + lambda I the row's normal-equation
// matrix, x_u = W^-1 sum_j c_j p_j y_j, so
//   score = y_item . x_u = sum_j c_j p_j (y_item^T W^-1 y_j)
// and product j contributes c_j p_j y_item^T W^-1 y_j: 0 for a refused
// product (p_j = 0), whose weight acts through W instead.
//
// Codes as FoldIn(), and INVALID_ARGUMENT when item is not a catalog index.
absl::StatusOr<std::vector<Contribution>> ScoreContributions(
    const model::ModelVersion& version, const FoldInConfig& config,
    const InteractionRow& row, int32_t item);

// Why `item` scores for this customer: the (at most) top_k row products by
// contribution (ScoreContributions), positive ones only, largest first, ties
// by catalog order. Codes as ScoreContributions(), and INVALID_ARGUMENT for
// a negative top_k.
absl::StatusOr<std::vector<Contribution>> ExplainScore(
    const model::ModelVersion& version, const FoldInConfig& config,
    const InteractionRow& row, int32_t item, int top_k);

// The (at most) k other catalog products most similar to `item`, by cosine
// similarity of item factors (the score, in [-1, 1]), highest first, ties
// by catalog order. For both kinds: an EASE item factor is its column of
// B, the weights with which the other products predict it, so two products
// are similar when the same products predict them. A zero factor, `item`'s or
// another's, has similarity 0. Empty when k <= 0 or item is not a catalog
// index.
std::vector<model::ScoredProduct> SimilarProducts(
    const model::ModelVersion& version, int32_t item, int k);

}  // namespace nbo::serving

#endif  // NBO_LIB_SERVING_FOLD_IN_H_
