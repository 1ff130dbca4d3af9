// What the models view derives from ModelStatus: which versions serve and
// how much traffic each gets, and the training metrics nbo-trainer stored
// with a version (ModelMetadata: metrics "map@7", ...; labels "gate_metric",
// "score_model", "score_popularity", "gate_reason", ...).

import type { ModelStatus, TrafficArm, VersionStatus } from "./api";

export interface ServingShare {
  version: string;
  // 0..1 of the traffic that no request pins to a version or label.
  share: number;
  // How the traffic gets there: "split arm canary", "latest available".
  via: string;
}

function armTarget(arm: TrafficArm, model: ModelStatus): string | undefined {
  if (arm.label !== undefined && arm.label !== "") return model.labels?.[arm.label];
  return arm.version;
}

export function armName(arm: TrafficArm): string {
  return arm.label !== undefined && arm.label !== "" ? arm.label : `version ${arm.version ?? "?"}`;
}

export function isAvailable(v: VersionStatus): boolean {
  return v.state === "VERSION_STATE_AVAILABLE";
}

// The versions default traffic goes to: the split's arms by weight, or else
// the latest AVAILABLE version.
export function servingShares(model: ModelStatus): ServingShare[] {
  const split = model.trafficSplit ?? [];
  const total = split.reduce((sum, a) => sum + (a.weight ?? 0), 0);
  if (split.length > 0 && total > 0) {
    return split.map((arm) => ({
      version: armTarget(arm, model) ?? "?",
      share: (arm.weight ?? 0) / total,
      via: `split arm ${armName(arm)}`,
    }));
  }
  const available = (model.versions ?? []).filter(isAvailable);
  const latest = available.reduce<VersionStatus | undefined>(
    (best, v) => (best === undefined || Number(v.version) > Number(best.version) ? v : best),
    undefined,
  );
  return latest === undefined ? [] : [{ version: latest.version ?? "?", share: 1, via: "latest available" }];
}

// The MAP@K the trainer stored ("map@7"), with its K.
export function mapAtK(v: VersionStatus): { k: string; value: number } | undefined {
  const metrics = v.metadata?.metrics ?? {};
  const key = Object.keys(metrics).find((name) => name.startsWith("map@"));
  return key === undefined ? undefined : { k: key.slice(4), value: metrics[key] ?? 0 };
}

// Relative lift of the gate metric over the popularity baseline
// (score_model / score_popularity - 1), as the trainer measured it.
export function liftOverPopularity(v: VersionStatus): { metric: string; lift: number } | undefined {
  const labels = v.metadata?.labels ?? {};
  const model = Number(labels["score_model"]);
  const popularity = Number(labels["score_popularity"]);
  if (!Number.isFinite(model) || !Number.isFinite(popularity) || popularity <= 0) return undefined;
  return { metric: labels["gate_metric"] ?? "gate metric", lift: model / popularity - 1 };
}

// An experiment arm's name for people ("" is traffic outside any split).
export function armLabel(arm: string | undefined): string {
  return arm === undefined || arm === "" ? "outside any split" : arm;
}
