// A real nbo stack for the browser tests, the way tools/demo.sh brings one
// up, but small and hermetic: demo bank data from `nboctl datagen` (a few
// hundred customers, the demo8 catalog, fixed seed), nbo-server on port 0
// with a fresh data directory in a temp dir, `nbo-trainer train` publishing
// to it over gRPC, `nboctl ingest` loading profiles and transactions, and
// nbo-gateway on port 0 serving the built dashboard at /.
//
// The server is closed, as a bank runs it: a tokens file (README "Access
// control") in the temp dir with one token per job below, so that every
// RPC needs a token with its role; `open: true` starts it with no token at
// all (the local demo's mode). nboctl and nbo-trainer get the token of the
// role each command needs.
//
// Binaries come from NBO_E2E_BUILD_DIR (default: the checkout's build/),
// the dashboard from NBO_E2E_DASHBOARD (default: build/services/dashboard/
// dist). Every process is stopped by stop(), and killed if the test worker
// exits first.

import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(__dirname, "..", "..", "..");
export const buildDir = resolve(process.env.NBO_E2E_BUILD_DIR ?? join(root, "build"));
export const dashboardDir = resolve(
  process.env.NBO_E2E_DASHBOARD ?? join(buildDir, "services", "dashboard", "dist"),
);
export const outDir = resolve(process.env.NBO_E2E_OUT ?? join(buildDir, "tests", "e2e"));

const bin = {
  server: join(buildDir, "services", "nbo_server", "nbo-server"),
  gateway: join(buildDir, "services", "gateway", "nbo-gateway"),
  trainer: join(buildDir, "services", "trainer", "nbo-trainer"),
  nboctl: join(buildDir, "tools", "nboctl", "nboctl"),
};

// Children get none of our NBO_* variables: the binaries read NBO_<FLAG>
// as flags (an NBO_ADMIN_TOKEN in the caller's shell would change them).
const childEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !k.startsWith("NBO_")),
) as NodeJS.ProcessEnv;

const live = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// The tokens of a closed stack, by name, with their roles: a relationship
// manager's desk, a desk that may look but not answer, the bank's loader,
// and the operators.
export const kTokens = {
  desk: { token: "e2e-desk-token", roles: "read,act,customer" },
  viewer: { token: "e2e-viewer-token", roles: "read,customer" },
  loader: { token: "e2e-loader-token", roles: "ingest" },
  ops: { token: "e2e-ops-token", roles: "admin" },
} as const;
export type TokenName = keyof typeof kTokens;

export interface StackOptions {
  // Demo customers (C0000001..): few keeps set-up around a second.
  customers?: number;
  // No tokens file: every RPC is open, as in tools/demo.sh. Default: closed.
  open?: boolean;
}

function checkBuilt(): void {
  for (const path of Object.values(bin)) {
    if (!existsSync(path)) throw new Error(`${path} is missing: build it first (tools/test.sh does)`);
  }
  if (!existsSync(join(dashboardDir, "index.html"))) {
    throw new Error(`${dashboardDir}/index.html is missing: build the dashboard target first`);
  }
}

async function waitForJson(file: string, child: ChildProcess, log: () => string): Promise<Record<string, number>> {
  for (let i = 0; i < 400; i++) {
    if (existsSync(file)) {
      const text = readFileSync(file, "utf8");
      if (text.trim() !== "") return JSON.parse(text) as Record<string, number>;
    }
    if (child.exitCode !== null) throw new Error(`process exited (${child.exitCode}): ${log()}`);
    await sleep(25);
  }
  throw new Error(`no ${file} within 10 s: ${log()}`);
}

function startProcess(path: string, args: string[]): { child: ChildProcess; log: () => string } {
  const child = spawn(path, args, { env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-8000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  live.add(child);
  child.on("exit", () => live.delete(child));
  return { child, log: () => output };
}

async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10000);
  await exited;
  clearTimeout(timer);
}

export class Stack {
  readonly dir: string;
  readonly open: boolean;
  grpcAddr = "";
  url = "";
  private server?: ChildProcess;
  private serverLog: () => string = () => "";
  private gateway?: ChildProcess;

  private constructor(options: StackOptions) {
    this.dir = mkdtempSync(join(tmpdir(), "nbo-e2e-"));
    this.open = options.open ?? false;
  }

  // The token called `name`, or "" on an open stack (which needs none).
  token(name: TokenName): string {
    return this.open ? "" : kTokens[name].token;
  }

  // nboctl's --token for `name`; nothing on an open stack.
  tokenArgs(name: TokenName): string[] {
    const token = this.token(name);
    return token === "" ? [] : [`--token=${token}`];
  }

  // The tokens file nbo-server reads: `NAME ROLES sha256:HEX` per token.
  private writeTokensFile(): string {
    const file = join(this.dir, "tokens");
    const lines = Object.entries(kTokens).map(
      ([name, { token, roles }]) => `${name} ${roles} sha256:${createHash("sha256").update(token).digest("hex")}`,
    );
    writeFileSync(file, `# e2e tokens (tests/e2e/lib/stack.ts)\n${lines.join("\n")}\n`, { mode: 0o600 });
    return file;
  }

  static async start(options: StackOptions = {}): Promise<Stack> {
    checkBuilt();
    const stack = new Stack(options);
    try {
      await stack.boot(options.customers ?? 300);
    } catch (e) {
      await stack.stop();
      throw e;
    }
    return stack;
  }

  private async boot(customers: number): Promise<void> {
    const bank = join(this.dir, "bank");
    this.nboctl(["datagen", `--customers=${customers}`, "--catalog=demo8", "--seed=42", `--out=${bank}`]);

    const ports = join(this.dir, "server.json");
    const server = startProcess(bin.server, [
      `--data_dir=${join(this.dir, "nbo-data")}`,
      "--grpc_addr=127.0.0.1:0",
      "--metrics_addr=127.0.0.1:0",
      `--port_file=${ports}`,
      "--drain=0s",
      // datagen's transactions are from 2023-2024; keep them.
      "--transaction_retention=87600h",
      ...(this.open ? [] : [`--tokens_file=${this.writeTokensFile()}`]),
    ]);
    this.server = server.child;
    this.serverLog = server.log;
    const { grpc } = await waitForJson(ports, server.child, server.log);
    this.grpcAddr = `127.0.0.1:${grpc}`;

    this.train(bank, []);
    this.nboctl(["ingest", `--server=${this.grpcAddr}`, `--data_dir=${bank}`], "loader");

    const gatewayPorts = join(this.dir, "gateway.json");
    const gateway = startProcess(bin.gateway, [
      "--http_addr=127.0.0.1:0",
      `--port_file=${gatewayPorts}`,
      `--upstream=dns:///${this.grpcAddr}`,
      `--static_dir=${dashboardDir}`,
      "--threads=2",
    ]);
    this.gateway = gateway.child;
    const { http } = await waitForJson(gatewayPorts, gateway.child, gateway.log);
    this.url = `http://127.0.0.1:${http}`;
  }

  // nbo-trainer train on the bank data, published to this server. The time
  // split, as tools/demo.sh: on demo8's generated data ALS passes the
  // publish gate there, while the NBO protocol (the default) has it lose
  // to popularity (docs/evaluation.md), and these tests are about the page.
  train(bank: string, extra: string[]): string {
    const args = [
      "train",
      `--data_dir=${bank}`,
      `--publish_to=${this.grpcAddr}`,
      "--split=time",
      "--threads=1",
      ...(this.open ? [] : [`--admin_token=${this.token("ops")}`]),
      ...extra,
    ];
    return execFileSync(bin.trainer, args, { env: childEnv, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  }

  // A second version of the default model (forced past the publish gate,
  // which would refuse a model no better than the one serving).
  publishAnotherVersion(): void {
    this.train(join(this.dir, "bank"), ["--force", "--seed=7"]);
  }

  // Runs nboctl, with the token `as` when the stack is closed; returns its
  // standard output.
  nboctl(args: string[], as?: TokenName): string {
    return execFileSync(bin.nboctl, [...args, ...(as === undefined ? [] : this.tokenArgs(as))], {
      env: childEnv,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  }

  nboctlJson<T>(args: string[], as?: TokenName): T {
    return JSON.parse(this.nboctl([...args, "--json"], as)) as T;
  }

  // Stops nbo-server (SIGTERM) and leaves the gateway up: its next calls
  // upstream fail UNAVAILABLE (HTTP 503).
  async stopServer(): Promise<void> {
    await stopProcess(this.server);
  }

  get serverOutput(): string {
    return this.serverLog();
  }

  async stop(): Promise<void> {
    await stopProcess(this.gateway);
    await stopProcess(this.server);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
