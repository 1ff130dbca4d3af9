// Copyright (c) 2026 The nbo Authors. MIT License.
//
// The bounds of everything a client sends nbo (proto/nbo/v1), in one place.
// Every string has a length bound and every number a range, so that no
// request can make the server keep, log or echo unbounded data, or compute
// with values that overflow to infinity. docs/serving.md has the same table
// for people; the validating code lives in lib/serving (names.h,
// model_metadata.h, catalog_registry.h, customer_service.cc,
// publish_session.cc, model_manager.cc, recommender.cc).
//
// Lengths are in bytes. A value outside its bound is INVALID_ARGUMENT, and
// the message names the field and the bound, never more than a short quoted
// prefix of the value (see quote.h).

#ifndef NBO_LIB_COMMON_API_LIMITS_H_
#define NBO_LIB_COMMON_API_LIMITS_H_

#include <cstddef>
#include <cstdint>

namespace nbo::common {

// Names and ids.

// Model names: [A-Za-z0-9._-]{1,64}.
inline constexpr size_t kMaxModelNameBytes = 64;
// Version labels ("stable", "canary") and traffic-split label arms:
// [a-z0-9_-]{1,32}.
inline constexpr size_t kMaxLabelBytes = 32;
// Channels ("branch", "mobile"): [a-z0-9_-]{0,32}.
inline constexpr size_t kMaxChannelBytes = 32;
// Customer ids: 1..128 bytes without control characters. Never echoed:
// they are personal data.
inline constexpr size_t kMaxCustomerIdBytes = 128;
// Product ids: 1..128 bytes without control characters.
inline constexpr size_t kMaxProductIdBytes = 128;
// The bank's transaction ids: [A-Za-z0-9._:-]{0,64}.
inline constexpr size_t kMaxTransactionIdBytes = 64;
// Decision ids are exactly 32 lowercase hex characters (MakeDecisionId).
inline constexpr size_t kDecisionIdBytes = 32;

// Versions.

// Versions a client may create are 1..2^53: every one of them is exact in a
// double, so JSON clients (the gateway, the dashboard) see the version that
// was published, and "newest + 1" can never overflow an int64. nbo-trainer
// refuses to pick a version past this bound instead of wrapping around.
inline constexpr int64_t kMaxVersion = int64_t{1} << 53;

// Traffic splits.

// Arms of one split.
inline constexpr size_t kMaxSplitArms = 16;
// An arm's weight, 1..1000000: weights are relative, a million to one is
// finer than any experiment needs.
inline constexpr uint32_t kMaxSplitWeight = 1000000;
// The salt of the customer hash.
inline constexpr size_t kMaxSplitSaltBytes = 64;

// Catalogs.

// Products of one catalog (publish header or UpdateCatalog).
inline constexpr int kMaxCatalogProducts = 10000;
// Product.name.
inline constexpr size_t kMaxProductNameBytes = 256;
// Product.category.
inline constexpr size_t kMaxCategoryBytes = 64;
// Product.business_value is finite and in [0, 1e9].
inline constexpr double kMaxBusinessValue = 1e9;
// EligibilityRules.segments: at most 32, each [A-Za-z0-9_-]{1,32} (the same
// rule as CustomerProfile.segment).
inline constexpr int kMaxEligibilitySegments = 32;
inline constexpr size_t kMaxSegmentBytes = 32;
// Ages (profile, eligibility) are in [0, 150] years.
inline constexpr int kMaxAge = 150;
// Credit scores (profile, eligibility) are in [0, 1000].
inline constexpr int kMaxCreditScore = 1000;
// Money (income, min_income, transaction amounts) is finite and in
// [0, 1e15] of the bank's currency.
inline constexpr double kMaxMoney = 1e15;
// ContactPolicy.max_declines and max_impressions are in [0, 1000] (0 means
// the server's default).
inline constexpr int kMaxContactCount = 1000;
// ContactPolicy.suppression_days is in [0, 3650] (0 means the default).
inline constexpr int kMaxSuppressionDays = 3650;

// Levers are finite and in [0, 1000]; one per catalog product at most.
inline constexpr double kMaxLever = 1000;

// Publishing.

// Factor values are finite with |value| <= 1e6, so that a dot product over
// the largest rank stays far from float overflow.
inline constexpr double kMaxFactorMagnitude = 1e6;
// PublishHeader.popularity values are finite with |value| <= 1e9.
inline constexpr double kMaxPopularityMagnitude = 1e9;
// ModelMetadata.calibration_a and calibration_b are finite with
// |value| <= 1e6.
inline constexpr double kMaxCalibrationMagnitude = 1e6;

// Model metadata (PublishHeader.metadata).

// ModelMetadata.description.
inline constexpr size_t kMaxDescriptionBytes = 4096;
// ModelMetadata.labels: at most 64 entries, keys 1..64 bytes without
// control characters, values up to 1024 bytes.
inline constexpr int kMaxMetadataLabels = 64;
inline constexpr size_t kMaxMetadataKeyBytes = 64;
inline constexpr size_t kMaxMetadataValueBytes = 1024;
// ModelMetadata.metrics: at most 64 entries, keys as for labels, values
// finite.
inline constexpr int kMaxMetadataMetrics = 64;
// The description, every key and every label value together.
inline constexpr size_t kMaxMetadataBytes = 64 << 10;

// Customer profiles.

// CustomerProfile.attributes: at most 32, keys [a-z0-9_]{1,64}, values up
// to 256 bytes.
inline constexpr int kMaxProfileAttributes = 32;
inline constexpr size_t kMaxAttributeKeyBytes = 64;
inline constexpr size_t kMaxAttributeValueBytes = 256;

// Requests.

// RecommendRequest.exclude_products.
inline constexpr int kMaxExcludedProducts = 100;
// SimilarProductsRequest.k; 0 means 5.
inline constexpr int kMaxSimilarProducts = 100;
// GetCustomerRequest.max_transactions and max_decisions; 0 means 20.
inline constexpr int kMaxRecentRecords = 1000;
// ListCustomersRequest.page_size; 0 means 50. One call examines at most
// kListCustomersScan customers, whatever its filter.
inline constexpr int kMaxListPageSize = 500;
inline constexpr int kListCustomersScan = 10000;
// ScoreCustomerRequest.num_products (0 means the whole catalog).
inline constexpr int kMaxScoredProducts = kMaxCatalogProducts;

// nbo-trainer's TrainerService.

// TrainingSpec.data_dir and feedback_path (paths on the trainer's host).
inline constexpr size_t kMaxPathBytes = 4096;
// TrainingSpec.publish_to: at most 16 targets of up to 256 bytes each.
inline constexpr int kMaxPublishTargets = 16;
inline constexpr size_t kMaxTargetBytes = 256;
// TrainingSpec.gate_metric ("map@7") and split ("time").
inline constexpr size_t kMaxSpecWordBytes = 64;
// TrainingSpec.factors (the rank) is in [1, 1024], iterations in [1, 1000],
// threads in [1, 256], cg_steps in [0, 100], k in [1, 1000].
inline constexpr int kMaxTrainingFactors = 1024;
inline constexpr int kMaxTrainingIterations = 1000;
inline constexpr int kMaxTrainingThreads = 256;
inline constexpr int kMaxCgSteps = 100;
inline constexpr int kMaxEvaluationK = 1000;
// TrainingSpec.regularization, alpha and min_lift are finite with
// |value| <= 1e6.
inline constexpr double kMaxHyperparameter = 1e6;
// Job ids in GetJob, WatchJob, CancelJob.
inline constexpr size_t kMaxJobIdBytes = 64;

}  // namespace nbo::common

#endif  // NBO_LIB_COMMON_API_LIMITS_H_
