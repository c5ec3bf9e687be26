import type { Page } from "playwright-core";
import { expect } from "vitest";

/**
 * Draws a signature with the mouse on the pad named `label` (a wavy stroke; `wave` changes its shape, so two
 * signatures differ), then confirms it and waits until the phone has kept it.
 */
export async function drawSignature(page: Page, label: string, wave = 1.5): Promise<void> {
  const canvas = page.getByRole("img", { name: label });
  await canvas.scrollIntoViewIfNeeded();
  const box = (await canvas.boundingBox())!;
  expect(box.width).toBeGreaterThan(300);
  await page.mouse.move(box.x + 20, box.y + box.height * 0.6);
  await page.mouse.down();
  for (let i = 1; i <= 16; i++) await page.mouse.move(box.x + 20 + (i * (box.width - 40)) / 16, box.y + box.height * (0.5 + 0.3 * Math.sin(i / wave)), { steps: 3 });
  await page.mouse.up();
  const confirm = page.locator(".signature-pad", { has: canvas }).getByRole("button", { name: "Valider la signature" });
  expect((await confirm.boundingBox())!.height).toBeGreaterThanOrEqual(44);
  await confirm.click();
  await page.getByText(`${label} : signée ✓`).waitFor();
}
