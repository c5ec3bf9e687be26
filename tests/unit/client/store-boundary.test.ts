import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * `client/store` is the one place that knows IndexedDB: the screens read it through the store's functions, so
 * a change of tables or indexes is made in one folder and a read that fails is handled in one place.
 */

const SCREENS = ["client/pages", "client/components", "client/app.tsx", "client/session.ts", "client/main.tsx"];

function sources(path: string): string[] {
  if (!statSync(path, { throwIfNoEntry: false })) return [];
  if (statSync(path).isFile()) return [path];
  return readdirSync(path).flatMap((name) => sources(join(path, name)));
}

const files = SCREENS.flatMap(sources).filter((f) => /\.tsx?$/.test(f));

/** What in a file reaches into IndexedDB itself; type-only imports are fine (they vanish when compiled). */
function reachesIntoTheStore(text: string): string[] {
  const found: string[] = [];
  for (const line of text.split("\n")) {
    if (/^import type /.test(line)) continue;
    if (/from "dexie"/.test(line)) found.push(line.trim());
    else if (/from "(\.\.\/)+store\/db"/.test(line)) found.push(line.trim());
    else if (/^import \{[^}]*\bdb\b[^}]*\} from "(\.\.\/)+store"/.test(line)) found.push(line.trim());
    else if (/\bdb\.(debtors|outbox|rejected|blobs|photos|meta)\b/.test(line)) found.push(line.trim());
  }
  return found;
}

describe("the phone's store boundary", () => {
  it("finds the screens to check", () => {
    expect(files.length).toBeGreaterThan(20);
  });

  it("spots a screen that queries IndexedDB itself", () => {
    expect(reachesIntoTheStore(`import { db } from "../../store";\nconst n = db.outbox.count();`)).toHaveLength(2);
    expect(reachesIntoTheStore(`import type { PhotoRow } from "../store/db";`)).toEqual([]);
  });

  it("has no screen or component run a Dexie query: they read through client/store", () => {
    const offenders = files.flatMap((f) => reachesIntoTheStore(readFileSync(f, "utf8")).map((line) => `${relative(".", f)}: ${line}`));
    expect(offenders).toEqual([]);
  });
});
