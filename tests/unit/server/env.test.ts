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

  it("treats empty optional variables as unset", () => {
    expect(loadConfig({ SMTP_URL: "", TODAY: "" })).toMatchObject({ smtpUrl: undefined, today: undefined });
  });
});
