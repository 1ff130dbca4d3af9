// Turns the chart's rendered objects (helm template) into what podman 4.3's
// `podman kube play` accepts, changing as little as it can. kube_play.sh
// drives it; see there and docs/deploy.md for what runs and what cannot.
//
//   node kube_play.mjs RENDERED.yaml OUTDIR [--ip COMPONENT=IP ...]
//
// Writes into OUTDIR:
//   server.yaml      each StatefulSet as its first Pod (<name>-0, hostname
//                    and subdomain as the StatefulSet controller sets them)
//                    with a PersistentVolumeClaim per volumeClaimTemplate
//                    (<template>-<name>-0), which podman makes a volume;
//   apps.yaml        the Deployments, unchanged but for hostAliases: podman
//                    has no Services, so every Service whose selector
//                    picks the pods of COMPONENT (--ip COMPONENT=IP) is
//                    written into /etc/hosts under its cluster names;
//   secret-NAME.json each Secret, for `podman secret create NAME`: podman
//                    4.3's secret volumes read a Kubernetes Secret stored
//                    so, but write `data` values as they stand (not
//                    base64-decoded) and ignore `stringData`, so `data`
//                    holds the decoded values;
//   secret-NAME-env.json its data alone ({"key": "base64"}), for `podman
//                    secret create NAME-env`: 4.3's secretKeyRef reads that
//                    shape and no other (containers/podman#16269; 4.4 plays
//                    Secret objects), so env references are renamed to it.
//                    Every secret volume gets `optional: false`, Kubernetes'
//                    default: podman 4.3 dereferences the unset field and
//                    panics (containers/podman#16636, fixed in 4.4);
//   skipped.txt      "KIND NAME" of every object podman cannot play.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments, stringify } from "yaml";

const [rendered, outdir, ...rest] = process.argv.slice(2);
if (!rendered || !outdir) {
  console.error("usage: node kube_play.mjs RENDERED.yaml OUTDIR [--ip COMPONENT=IP ...]");
  process.exit(2);
}
const ips = new Map();
for (let i = 0; i < rest.length; i += 2) {
  const m = rest[i] === "--ip" ? /^([^=]+)=(.+)$/.exec(rest[i + 1] ?? "") : null;
  if (m === null) {
    console.error(`kube_play.mjs: bad argument ${rest[i]} ${rest[i + 1] ?? ""}`);
    process.exit(2);
  }
  ips.set(m[1], m[2]);
}

const objects = parseAllDocuments(readFileSync(rendered, "utf8"))
  .map((doc) => doc.toJS())
  .filter((o) => o && o.kind);
const namespace = "default";  // helm template's, without --namespace
const component = (labels) => labels?.["app.kubernetes.io/component"];

// IP -> the names every Service picking that component answers to.
const aliases = new Map();
for (const svc of objects.filter((o) => o.kind === "Service")) {
  const ip = ips.get(component(svc.spec?.selector));
  if (!ip) continue;
  const n = svc.metadata.name;
  const names = aliases.get(ip) ?? [];
  names.push(n, `${n}.${namespace}`, `${n}.${namespace}.svc`, `${n}.${namespace}.svc.cluster.local`);
  aliases.set(ip, names);
}
const hostAliases = [...aliases].map(([ip, hostnames]) => ({ ip, hostnames }));

// The podman 4.3 workarounds above, on one pod spec.
function adaptSecrets(spec) {
  for (const v of spec.volumes ?? []) {
    if (v.secret && v.secret.optional === undefined) v.secret.optional = false;
  }
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    for (const e of c.env ?? []) {
      const ref = e.valueFrom?.secretKeyRef;
      if (ref) ref.name = `${ref.name}-env`;
    }
  }
}

const server = [];
const apps = [];
const skipped = [];
mkdirSync(outdir, { recursive: true });
for (const o of objects) {
  const name = o.metadata?.name;
  if (o.kind === "StatefulSet") {
    const podName = `${name}-0`;
    const spec = structuredClone(o.spec.template.spec);
    spec.hostname = podName;
    spec.subdomain = o.spec.serviceName;
    spec.volumes = spec.volumes ?? [];
    adaptSecrets(spec);
    for (const t of o.spec.volumeClaimTemplates ?? []) {
      const claimName = `${t.metadata.name}-${podName}`;
      server.push({
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: { name: claimName, labels: t.metadata.labels },
        spec: t.spec,
      });
      spec.volumes.push({ name: t.metadata.name, persistentVolumeClaim: { claimName } });
    }
    server.push({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: podName, labels: o.spec.template.metadata.labels },
      spec,
    });
  } else if (o.kind === "Deployment") {
    const d = structuredClone(o);
    if (hostAliases.length > 0) d.spec.template.spec.hostAliases = hostAliases;
    adaptSecrets(d.spec.template.spec);
    apps.push(d);
  } else if (o.kind === "Secret") {
    const decoded = { ...(o.stringData ?? {}) };
    for (const [k, v] of Object.entries(o.data ?? {})) {
      decoded[k] = Buffer.from(v, "base64").toString("utf8");
    }
    const forVolumes = { ...o, data: decoded };
    delete forVolumes.stringData;
    writeFileSync(join(outdir, `secret-${name}.json`), JSON.stringify(forVolumes));
    writeFileSync(join(outdir, `secret-${name}-env.json`), JSON.stringify(o.data ?? {}));
  } else {
    skipped.push(`${o.kind} ${name}`);
  }
}
const docs = (list) => list.map((o) => stringify(o)).join("---\n");
writeFileSync(join(outdir, "server.yaml"), docs(server));
writeFileSync(join(outdir, "apps.yaml"), docs(apps));
writeFileSync(join(outdir, "skipped.txt"), skipped.join("\n") + "\n");
