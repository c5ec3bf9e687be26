import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../../server/env";

// What deploy/ ships is checked by the tools that will read it: the systemd units by `systemd-analyze verify`
// (these machines run no systemd; the units are verified in a temp root holding the system's own units and the
// programs they start), the Caddyfile by `caddy validate`, the environment file by the server's own parser.
// tests/integration/proxy.test.ts runs the Caddyfile and the processes for real.

const UNITS = ["cadenas@.service", "sqld.service"];
let root: string;

function need(tool: string, args: string[]): void {
  const probe = spawnSync(tool, args, { encoding: "utf8" });
  if (probe.error) throw new Error(`${tool} is not installed (${probe.error.message}): .ci/run installs it (apt-get install -y ${tool === "caddy" ? "caddy" : "systemd"})`);
}

/** Verifies units placed in the temp root's /etc/systemd/system; an instance name for a template. */
function verify(...names: string[]) {
  const run = spawnSync("systemd-analyze", ["verify", "--man=no", `--root=${root}`, ...names], { encoding: "utf8" });
  return { status: run.status, complaints: run.stderr.trim() };
}

function install(name: string, text: string): void {
  writeFileSync(join(root, "etc/systemd/system", name), text);
}

beforeAll(() => {
  need("systemd-analyze", ["--version"]);
  root = mkdtempSync(join(tmpdir(), "cadenas-units-"));
  mkdirSync(join(root, "etc/systemd/system"), { recursive: true });
  // The system's own units (targets the ours are ordered after): present wherever systemd-analyze is.
  cpSync("/usr/lib/systemd/system", join(root, "usr/lib/systemd/system"), { recursive: true });
  for (const unit of UNITS) {
    const text = readFileSync(join("deploy/systemd", unit), "utf8");
    install(unit, text);
    // verify checks that each ExecStart program exists and is executable: a stand-in at the path the unit names.
    for (const [, program] of text.matchAll(/^ExecStart=(\S+)/gm)) {
      const path = join(root, program!);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, "#!/bin/sh\n");
      chmodSync(path, 0o755);
    }
  }
});
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe("deploy/systemd", () => {
  it("the units pass systemd-analyze verify without a complaint", () => {
    expect(readdirSync("deploy/systemd").sort()).toEqual([...UNITS].sort());
    expect(verify("cadenas@3001.service", "sqld.service")).toEqual({ status: 0, complaints: "" });
  });

  it("a broken unit does not (the check sees what it must)", () => {
    const text = readFileSync("deploy/systemd/cadenas@.service", "utf8");
    install("broken@.service", text.replace("TimeoutStopSec=", "TimeoutStopSecs="));
    expect(verify("broken@3001.service").complaints).toMatch(/Unknown key .TimeoutStopSecs./);
    install("missing.service", "[Service]\nExecStart=/opt/nowhere/cadenas\n");
    expect(verify("missing.service")).toMatchObject({ status: 1, complaints: expect.stringMatching(/not executable/) });
  });

  it("the API unit stops with SIGTERM and gives the server's grace period time to end", () => {
    const unit = readFileSync("deploy/systemd/cadenas@.service", "utf8");
    const grace = Number(/const STOP_GRACE_MS = ([\d_]+);/.exec(readFileSync("server/server.ts", "utf8"))![1]!.replace(/_/g, "")) / 1000;
    expect(unit).toMatch(/^KillSignal=SIGTERM$/m);
    expect(Number(/^TimeoutStopSec=(\d+)$/m.exec(unit)![1])).toBeGreaterThan(grace);
    expect(unit).toMatch(/^EnvironmentFile=\/etc\/cadenas\/cadenas\.env$/m);
    expect(unit).toMatch(/^Restart=always$/m);
    for (const hardening of ["NoNewPrivileges=yes", "ProtectSystem=strict", "User=cadenas"]) expect(unit).toMatch(new RegExp(`^${hardening}$`, "m"));
  });
});

describe("deploy/Caddyfile", () => {
  const validate = (env: Record<string, string>) => {
    need("caddy", ["version"]);
    const home = mkdtempSync(join(tmpdir(), "cadenas-caddy-"));
    try {
      const run = spawnSync("caddy", ["validate", "--config", "deploy/Caddyfile", "--adapter", "caddyfile"], {
        encoding: "utf8",
        env: { PATH: process.env.PATH, HOME: home, XDG_DATA_HOME: home, XDG_CONFIG_HOME: home, ...env },
      });
      return { status: run.status, output: run.stdout + run.stderr };
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  };

  it("is valid with the operator's domain and e-mail set", () => {
    const run = validate({ CADENAS_DOMAIN: "cadenas.example.fr", ACME_EMAIL: "exploitation@example.fr" });
    expect(run.status, run.output).toBe(0);
    expect(run.output).toContain("Valid configuration");
  });

  it("is refused without the domain", () => {
    expect(validate({ ACME_EMAIL: "exploitation@example.fr" }).status).not.toBe(0);
  });
});

describe("deploy/cadenas.env.example", () => {
  const lines = readFileSync("deploy/cadenas.env.example", "utf8").split("\n");
  const set = Object.fromEntries(lines.filter((l) => /^[A-Z][A-Z0-9_]*=/.test(l)).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));

  it("names only variables the server reads, and leaves PORT and HOST to the unit", () => {
    const envSource = readFileSync("server/env.ts", "utf8");
    const named = [...new Set(lines.flatMap((l) => /^#?\s?([A-Z][A-Z0-9_]*)=/.exec(l)?.slice(1) ?? []))];
    expect(named.length).toBeGreaterThan(15);
    for (const name of named) expect(envSource, name).toMatch(new RegExp(`^\\s+${name}: `, "m"));
    expect(named).not.toContain("PORT");
    expect(named).not.toContain("HOST");
  });

  it("loads as it is, on a libSQL server behind a proxy", () => {
    const config = loadConfig(set);
    expect(config).toMatchObject({ databaseUrl: "http://127.0.0.1:8081", trustProxy: ["loopback"], demoData: "off" });
    expect(config.publicUrl).toMatch(/^https:\/\//);
  });
});
