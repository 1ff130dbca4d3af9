// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/training/calibrate_phase.h"

#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "lib/eval/calibration_sample.h"
#include "lib/eval/platt_scaling.h"

namespace nbo::training {

PlattFit FitPlatt(const eval::Split& split, const als::CsrMatrix& by_user,
                  const TrainedModel& model) {
  std::vector<char> has_preference(split.num_users);
  for (int32_t u = 0; u < split.num_users; ++u) {
    has_preference[u] = HasPreference(by_user, u);
  }
  auto score = [&model](int32_t user, absl::Span<float> scores) {
    ScoreWithFactors(model, user, scores);
  };
  const std::vector<eval::CalibrationSample> samples =
      eval::HoldoutCalibrationSamples(split, score, kMaxPlattSamples,
                                      has_preference);
  PlattFit fit;
  fit.samples = samples.size();
  absl::StatusOr<eval::PlattScaling> platt = eval::PlattScaling::Fit(samples);
  if (!platt.ok()) {
    fit.error = std::string(platt.status().message());
    return fit;
  }
  fit.a = platt->a();
  fit.b = platt->b();
  return fit;
}

}  // namespace nbo::training
