import { changes, recordAudit } from "../audit/audit";
import { requestAddress } from "../request";
import { officeOnly } from "../auth/roles";
import { z } from "zod";
import { SEGMENTS } from "../../shared/enums";
import { ScenarioBody, ScenarioResponse, ScenariosResponse } from "../../shared/schemas/scenarios";
import { Settings, SettingsPatch } from "../../shared/schemas/settings";
import { loadTemplates } from "../messaging/outbox";
import { createRouter, errors, json, protectedRoute } from "../http";
import { listScenarios, saveScenario } from "./scenario-store";
import { loadSettings, saveSettings } from "./settings";

const OFFICE_ONLY = "Les réglages sont modifiés par le bureau ou le Manager.";

const ScenarioCodeParam = z.object({ code: z.enum(SEGMENTS) });

const getSettings = protectedRoute({
  method: "get",
  path: "/settings",
  tags: ["office"],
  summary: "The procedure's settings: SEPA reject fee, late-penalty rate, minimum balance for a case",
  responses: { 200: json(Settings, "Current settings"), ...errors(401) },
});

const putSettings = protectedRoute({
  method: "put",
  path: "/settings",
  tags: ["office"],
  summary: "Change some settings (office or Manager); applies from the next engine run",
  request: { body: { ...json(SettingsPatch, "The settings to change"), required: true } },
  responses: { 200: json(Settings, "Settings after the change"), ...errors(400, 401, 403) },
});

const getScenarios = protectedRoute({
  method: "get",
  path: "/scenarios",
  tags: ["office"],
  summary: "The reminder scenarios, one per customer segment, with the templates a message step may use",
  responses: { 200: json(ScenariosResponse, "Scenarios"), ...errors(401) },
});

const putScenario = protectedRoute({
  method: "put",
  path: "/scenarios/{code}",
  tags: ["office"],
  summary: "Save an edited scenario (office or Manager): step codes of the default stay, templates must exist",
  request: { params: ScenarioCodeParam, body: { ...json(ScenarioBody, "The whole scenario"), required: true } },
  responses: { 200: json(ScenarioResponse, "The saved scenario"), ...errors(400, 401, 403) },
});


export const configRoutes = createRouter()
  .openapi(getSettings, async (c) => c.json(await loadSettings(c.get("services").db), 200))
  .openapi(putSettings, async (c) => {
    officeOnly(c.get("user").role, OFFICE_ONLY);
    const { db } = c.get("services");
    const before = await loadSettings(db);
    const after = await saveSettings(db, c.req.valid("json"));
    await recordAudit(db, { event: "settings.updated", userId: c.get("user").id, address: requestAddress(c), entity: "settings", details: changes(before, after) });
    return c.json(after, 200);
  })
  .openapi(getScenarios, async (c) => {
    const { db } = c.get("services");
    const templates = await loadTemplates(db);
    const templateLabels = Object.fromEntries([...templates].map(([code, t]) => [code, t.label]));
    return c.json({ scenarios: await listScenarios(db), templates: [...templates.keys()].sort(), templateLabels }, 200);
  })
  .openapi(putScenario, async (c) => {
    officeOnly(c.get("user").role, OFFICE_ONLY);
    const { db } = c.get("services");
    const { code } = c.req.valid("param");
    const before = (await listScenarios(db)).find((s) => s.code === code) ?? null;
    const after = await saveScenario(db, code, c.req.valid("json"));
    await recordAudit(db, { event: "scenario.updated", userId: c.get("user").id, address: requestAddress(c), entity: "scenario", entityId: code, details: changes(before, after) });
    return c.json(after, 200);
  });
