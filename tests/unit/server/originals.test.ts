import { describe, expect, it } from "vitest";
import { captureInstant, clockGapMinutes } from "../../../shared/floor/original";
import { deviceClockNote, originalLines } from "../../../server/evidence/originals";
import { TEST_NOW } from "../../support/server";

const at = (minutes: number) => new Date(TEST_NOW.getTime() + minutes * 60_000).toISOString();
const second = (i: string | Date) => new Date(i).toISOString();

describe("a photo's camera original in the pack", () => {
  it("reads a capture time without offset as the site's wall time, with one as written", () => {
    expect(captureInstant("2026-11-22T10:00:00", "Europe/Paris")?.toISOString()).toBe("2026-11-22T09:00:00.000Z");
    expect(captureInstant("2026-07-01T10:00:00", "Europe/Paris")?.toISOString()).toBe("2026-07-01T08:00:00.000Z");
    expect(captureInstant("2026-11-22T10:00:00-05:00", "Europe/Paris")?.toISOString()).toBe("2026-11-22T15:00:00.000Z");
    expect(captureInstant("hier", "Europe/Paris")).toBeNull();
  });

  it("flags a phone clock more than five minutes from the server's receipt, and only then", () => {
    expect(clockGapMinutes(at(-5), at(0))).toBeNull();
    expect(clockGapMinutes(at(-6), at(0))).toBe(6);
    expect(clockGapMinutes(at(90), at(0))).toBe(90);
    expect(deviceClockNote({ deviceTime: at(-1), receivedAt: at(0) })).toBe("");
    expect(deviceClockNote({ deviceTime: at(-12), receivedAt: at(0) })).toBe(" — écart d'horloge de 12 min avec la réception par le serveur");
  });

  it("says when the file has no capture time, when the photo has no described original, and flags the record's clock", () => {
    const lines = originalLines({ sha256: "a".repeat(64), bytes: 1000, capturedAt: null, device: "Apple iPhone 13" }, { deviceTime: at(-30), receivedAt: at(0) }, "Europe/Paris", second);
    expect(lines.map((l) => l.text).join(" ")).toContain("pas d'heure de prise de vue dans le fichier, appareil Apple iPhone 13");
    expect(lines.find((l) => l.flagged)?.text).toContain("Écart d'horloge de 30 min entre l'heure du téléphone");
    const older = originalLines(null, { deviceTime: at(0), receivedAt: at(0) }, "Europe/Paris", second);
    expect(older).toEqual([{ text: expect.stringContaining("Original : non décrit") }]);
  });
});
