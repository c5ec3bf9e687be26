import { sql } from "drizzle-orm";
import { DEFAULT_SETTINGS, Settings, type SettingsPatch } from "../../shared/schemas/settings";
import type { Database, Transaction } from "../db/client";
import { settings } from "./engine.sql";

type Db = Database | Transaction;

/** The procedure's settings as the office left them, each unset or unreadable one at its default. */
export async function loadSettings(db: Db): Promise<Settings> {
  const rows = await db.select().from(settings);
  const merged: Record<string, unknown> = { ...DEFAULT_SETTINGS };
  for (const r of rows) if (r.key in DEFAULT_SETTINGS) merged[r.key] = r.value;
  const parsed = Settings.safeParse(merged);
  return parsed.success ? parsed.data : DEFAULT_SETTINGS;
}

/** Saves the settings given (already validated), leaves the others. */
export async function saveSettings(db: Db, patch: SettingsPatch): Promise<Settings> {
  const entries = Object.entries(patch).filter(([, v]) => v !== undefined);
  if (entries.length > 0) {
    await db
      .insert(settings)
      .values(entries.map(([key, value]) => ({ key, value })))
      .onConflictDoUpdate({ target: settings.key, set: { value: sql`excluded.value`, updatedAt: new Date().toISOString() } });
  }
  return loadSettings(db);
}
