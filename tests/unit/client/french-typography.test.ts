import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/**
 * French typography puts a space before « ? ! : ; », and it must not break: with a plain space, a narrow phone
 * wraps a lone « ? » or « : » onto a line of its own. The UI's texts use a narrow no-break space (U+202F). Only
 * texts are read (string literals, template texts, JSX text), parsed with TypeScript: code (`a ? b : c`), times
 * (09:30), URLs and CSS have no space before the sign and are never looked at. In JSX text the space is written
 * `&#8239;`: Solid's compiler folds every whitespace character there, U+202F included, into a plain space.
 */

function sources(path: string): string[] {
  if (statSync(path).isFile()) return /\.tsx?$/.test(path) ? [path] : [];
  return readdirSync(path)
    .filter((name) => name !== "node_modules")
    .flatMap((name) => sources(join(path, name)));
}

const TEXT_KINDS = new Set([
  ts.SyntaxKind.StringLiteral,
  ts.SyntaxKind.NoSubstitutionTemplateLiteral,
  ts.SyntaxKind.TemplateHead,
  ts.SyntaxKind.TemplateMiddle,
  ts.SyntaxKind.TemplateTail,
  ts.SyntaxKind.JsxText,
]);

/** A plain or no-break (U+00A0, which is wide) space before the sign, the sign ending a word. */
const BREAKABLE = /[ \u00a0]([?!:;])(?=[\s"'`<{$»)]|$)/g;
/** The same in JSX text, where a U+202F typed as such is folded too (`&#8239;` is not). */
const FOLDED_IN_JSX = /[ \u00a0\u202f]([?!:;])(?=[\s"'`<{$»)]|$)/g;

/** "file:line: …context…" for each sign with a breakable space before it in the texts of `text`. */
function breakableBeforeSigns(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith(".tsx") ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (TEXT_KINDS.has(node.kind)) {
      // JSX text has no trivia: its start is `pos` (getStart would skip the very space looked for).
      const start = node.kind === ts.SyntaxKind.JsxText ? node.pos : node.getStart(source);
      const raw = text.slice(start, node.getEnd());
      const pattern = node.kind === ts.SyntaxKind.JsxText ? FOLDED_IN_JSX : BREAKABLE;
      for (const m of raw.matchAll(pattern)) {
        const line = source.getLineAndCharacterOfPosition(start + m.index).line + 1;
        found.push(`${file}:${line}: …${raw.slice(Math.max(0, m.index - 25), m.index + 10).replace(/\s+/g, " ")}…`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe("French typography in the UI's texts", () => {
  it("puts a narrow no-break space, never a plain one, before « ? ! : ; »", () => {
    const found = sources("client").flatMap((file) => breakableBeforeSigns(file, readFileSync(file, "utf8")));
    expect(found).toEqual([]);
  });

  it("finds a plain space in texts and leaves code, times and URLs alone", () => {
    const sample = [
      'const a = ok ? "Se déconnecter ?" : `${n} relance : ${x}`;',
      'const b = <p title="ex. : lundi">Mot de passe oublié ! <a href="https://x.test/a:b">à 09:30</a></p>;',
      'const c = "Payé\u202f: à retirer ; ok\u202f?";',
      "const d = <p>Payé\u202f: à retirer, Payé&#8239;: à retirer</p>;",
    ].join("\n");
    expect(breakableBeforeSigns("sample.tsx", sample).map((f) => f.split(": …")[0])).toEqual([
      "sample.tsx:1",
      "sample.tsx:1",
      "sample.tsx:2",
      "sample.tsx:2",
      "sample.tsx:3",
      "sample.tsx:4",
    ]);
  });
});
