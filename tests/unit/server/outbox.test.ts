import { describe, expect, it } from "vitest";
import { htmlOf } from "../../../server/messaging/transports";
import { nextSmsSlot } from "../../../server/messaging/worker";

const slot = (iso: string) => nextSmsSlot(new Date(iso), "Europe/Paris")?.toISOString() ?? null;

describe("SMS hours: Monday to Saturday, 8:00–20:00 Paris time, never on a public holiday", () => {
  it.each([
    ["Monday 10:00", "2026-11-23T09:00:00Z", null],
    ["Monday 7:59", "2026-11-23T06:59:00Z", "2026-11-23T07:00:00.000Z"],
    ["Monday 20:00", "2026-11-23T19:00:00Z", "2026-11-24T07:00:00.000Z"],
    ["Saturday 19:59", "2026-11-28T18:59:00Z", null],
    ["Saturday 21:00 → Monday", "2026-11-28T20:00:00Z", "2026-11-30T07:00:00.000Z"],
    ["Sunday → Monday", "2026-11-29T10:00:00Z", "2026-11-30T07:00:00.000Z"],
    ["Christmas (Friday) → Saturday", "2026-12-25T10:00:00Z", "2026-12-26T07:00:00.000Z"],
    ["Easter Monday → Tuesday", "2026-04-06T08:00:00Z", "2026-04-07T06:00:00.000Z"],
    ["14 July (a Tuesday) → Wednesday", "2026-07-14T08:00:00Z", "2026-07-15T06:00:00.000Z"],
  ])("%s", (_name, now, expected) => {
    expect(slot(now)).toBe(expected);
  });
});

describe("e-mail HTML", () => {
  it("keeps paragraphs and line breaks, escapes what the text holds", () => {
    const html = htmlOf("Objet <b>", "Bonjour <Mme> & M.,\n\nLigne 1\nLigne 2");
    expect(html).toContain("<title>Objet &lt;b&gt;</title>");
    expect(html).toContain("Bonjour &lt;Mme&gt; &amp; M.,</p>");
    expect(html).toContain("Ligne 1<br>Ligne 2");
  });
});
