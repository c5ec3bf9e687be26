import { eq, sql } from "drizzle-orm";
import type { Segment } from "../../shared/enums";
import { scenarioProblems, type ScenarioBody, type ScenarioResponse } from "../../shared/schemas/scenarios";
import { loadTemplates } from "../messaging/outbox";
import type { Database } from "../db/client";
import { AppError } from "../errors";
import { scenarios } from "./engine.sql";
import { loadScenarios } from "./facts";
import { scenarioSql } from "../customers/hold";

/** The scenarios as stored (the defaults written the first time), each with how many customers follow it. */
export async function listScenarios(db: Database): Promise<ScenarioResponse[]> {
  const all = await loadScenarios(db);
  const [counts, stamps] = await Promise.all([
    db.all<{ segment: Segment; n: number }>(sql`select ${scenarioSql("c")} as segment, count(*) as n from customers c group by 1`),
    db.select({ code: scenarios.code, updatedAt: scenarios.updatedAt }).from(scenarios),
  ]);
  return [...all.values()].map((s) => ({
    code: s.code,
    name: s.name,
    steps: s.steps,
    customers: Number(counts.find((c) => c.segment === s.code)?.n ?? 0),
    updatedAt: stamps.find((t) => t.code === s.code)?.updatedAt ?? null,
  }));
}

/**
 * Saves an edited scenario, whole, after checking what its shape cannot say (codes kept, templates known…).
 * It applies from the next run: steps already carried out stay as they were.
 */
export async function saveScenario(db: Database, code: Segment, body: ScenarioBody): Promise<ScenarioResponse> {
  const problems = scenarioProblems(code, body, await loadTemplates(db));
  if (problems.length > 0) {
    throw new AppError("VALIDATION_FAILED", problems.map((p) => p.message).join(" ; "), {
      issues: problems.map((p) => ({ path: p.step ? `steps.${p.step}` : "steps", message: p.message })),
    });
  }
  await loadScenarios(db); // the row exists (defaults written the first time)
  await db.update(scenarios).set({ name: body.name, steps: body.steps }).where(eq(scenarios.code, code));
  const saved = (await listScenarios(db)).find((s) => s.code === code);
  return saved!;
}
