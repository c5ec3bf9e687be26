import { describe, expect, it } from "vitest";
import { csvCell, reportCsv, reportText } from "../../../server/imports/report";

describe("an import's report for French Excel", () => {
  it("writes a BOM, semicolons and CRLF, one row per bad line", () => {
    const csv = reportCsv({
      kind: "invoices",
      fileName: "f.csv",
      ok: false,
      lines: 2,
      created: 0,
      updated: 0,
      at: "2026-11-30T05:12:00Z",
      errors: [{ line: 3, column: "amount", message: "Ligne 3, colonne amount : « 1;2 » n'est pas un montant" }],
    });
    expect(csv).toBe('\uFEFFligne;colonne;message\r\n3;amount;"Ligne 3, colonne amount : « 1;2 » n\'est pas un montant"\r\n');
  });

  it("keeps Excel from reading a cell as a formula", () => {
    expect(csvCell("=1+2")).toBe("'=1+2");
    expect(csvCell("+33 6")).toBe("'+33 6");
    expect(csvCell("-40")).toBe("'-40");
    expect(csvCell("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvCell('=A1;"x"')).toBe(`"'=A1;""x"""`);
    expect(csvCell("Ligne 2")).toBe("Ligne 2");
  });

  it("tells, in the drop folder's text report, when and what came of it in the site's time", () => {
    const text = reportText({ kind: "customers", fileName: "clients.csv", ok: true, lines: 3, created: 2, updated: 1, errors: [], at: "2026-11-30T05:12:00Z" }, "Europe/Paris");
    expect(text).toBe("Fichier : clients.csv\nType : Clients\nImporté le : 30/11/2026 06:12:00\nRésultat : importé — 3 lignes, 2 créées, 1 mise à jour\n");
  });
});
