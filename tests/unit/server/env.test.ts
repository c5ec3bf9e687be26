import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../server/env";

describe("environment", () => {
  it("has working defaults for a fresh machine", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8080,
      host: "127.0.0.1",
      databaseUrl: "file:data/cadenas.db",
      dataDir: "data",
      siteTimeZone: "Europe/Paris",
      demoData: "auto",
      smtpUrl: undefined,
    });
  });

  it("accepts a libSQL server URL", () => {
    expect(loadConfig({ DATABASE_URL: "http://127.0.0.1:8081" }).databaseUrl).toBe("http://127.0.0.1:8081");
    expect(loadConfig({ DATABASE_URL: "libsql://db.example.test" }).databaseUrl).toBe("libsql://db.example.test");
  });

  it("names every variable that is wrong", () => {
    expect(() => loadConfig({ PORT: "eighty", TZ_SITE: "Mars/Olympus", TODAY: "22/11/2026", DATABASE_URL: "postgres://x" })).toThrow(
      /PORT[\s\S]*DATABASE_URL[\s\S]*TZ_SITE[\s\S]*TODAY/,
    );
  });

  it("wants MAIL_FROM with SMTP_URL, and DKIM's three settings together", () => {
    expect(() => loadConfig({ SMTP_URL: "smtp://user:pass@smtp.example.fr:587" })).toThrow(/MAIL_FROM: is required with SMTP_URL/);
    expect(loadConfig({ SMTP_URL: "smtp://user:pass@smtp.example.fr:587", MAIL_FROM: "relances@example.fr" }).mailFrom).toBe("relances@example.fr");
    // The local folder needs no sender of its own.
    expect(loadConfig({}).mailFrom).toBeUndefined();
    expect(() => loadConfig({ DKIM_DOMAIN: "example.fr" })).toThrow(/DKIM_SELECTOR and DKIM_PRIVATE_KEY/);
    const key = "-----BEGIN PRIVATE KEY-----\\nMIIB\\n-----END PRIVATE KEY-----";
    expect(loadConfig({ DKIM_DOMAIN: "example.fr", DKIM_SELECTOR: "s1", DKIM_PRIVATE_KEY: key }).dkim).toEqual({ domainName: "example.fr", keySelector: "s1", privateKey: "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----" });
  });

  it("reads LOG_LEVEL (info by default, silent possible) and a long METRICS_TOKEN, and names a bad one", () => {
    expect(loadConfig({})).toMatchObject({ logLevel: "info", metricsToken: undefined });
    expect(loadConfig({ LOG_LEVEL: " Silent " }).logLevel).toBe("silent");
    expect(loadConfig({ LOG_LEVEL: "" }).logLevel).toBe("info");
    expect(() => loadConfig({ LOG_LEVEL: "verbose" })).toThrow(/LOG_LEVEL: must be one of trace, debug, info, warn, error, fatal, silent/);
    expect(() => loadConfig({ METRICS_TOKEN: "secret" })).toThrow(/METRICS_TOKEN: must be a random secret of 24 characters or more/);
    expect(loadConfig({ METRICS_TOKEN: "a".repeat(24) }).metricsToken).toBe("a".repeat(24));
  });

  it("treats empty optional variables as unset", () => {
    expect(loadConfig({ SMTP_URL: "", TODAY: "" })).toMatchObject({ smtpUrl: undefined, today: undefined });
  });
});
