import { rgb, type PDFDocument, type PDFFont, type PDFPage, type RGB } from "pdf-lib";

/**
 * A4 documents written with pdf-lib's standard fonts (letters, the evidence pack): the page grid, text that the
 * WinAnsi encoding of those fonts can write, lines wrapped to a width, and a writer that flows text down pages and
 * numbers them at the end.
 */

export const MM = 72 / 25.4;
export const A4 = { width: 210 * MM, height: 297 * MM };
export const LEFT = 20 * MM;
export const RIGHT = A4.width - 20 * MM;
export const WIDTH = RIGHT - LEFT;
export const INK = rgb(0.09, 0.13, 0.17);
export const MUTED = rgb(0.36, 0.4, 0.46);

/**
 * Standard PDF fonts write WinAnsi only (œ, ’, « », € are in it). The spaces of number formatting become plain, an
 * accented letter outside it loses its accent (ő → o), a few signs get an ASCII spelling, anything else "?". Line
 * breaks stay, for `wrap`.
 */
export function printable(text: string, font: PDFFont): string {
  const cleaned = text.normalize("NFC").replace(/[\u00a0\u202f\u2009]/g, " ").replace(/\t/g, " ");
  if (encodes(font, cleaned)) return cleaned;
  return [...cleaned]
    .map((ch) => {
      // Line breaks are for `wrap`, not the font.
      if (ch === "\n" || encodes(font, ch)) return ch;
      const bare = ch.normalize("NFD").replace(/\p{M}/gu, "");
      if (bare && encodes(font, bare)) return bare;
      return SPELLED[ch] ?? "?";
    })
    .join("");
}

const SPELLED: Record<string, string> = { Ł: "L", ł: "l", Đ: "D", đ: "d", ı: "i", "\u2010": "-", "\u2011": "-", "→": "->", "←": "<-", "≥": ">=", "≤": "<=", "≠": "!=", "\u200b": "" };

function encodes(font: PDFFont, text: string): boolean {
  try {
    font.encodeText(text);
    return true;
  } catch {
    return false;
  }
}

/** Lines of at most `width` points; a word longer than the width (a hash, an address) is cut where it must be. */
export function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
  const fits = (s: string) => font.widthOfTextAtSize(s, size) <= width;
  const lines: string[] = [];
  for (const paragraph of text.split("\n")) {
    let line = "";
    for (let word of paragraph.split(/ +/)) {
      const next = line ? `${line} ${word}` : word;
      if (fits(next) || (!line && word.length <= 1)) {
        line = next;
        continue;
      }
      if (line) lines.push(line);
      while (word.length > 1 && !fits(word)) {
        let cut = word.length - 1;
        while (cut > 1 && !fits(word.slice(0, cut))) cut--;
        lines.push(word.slice(0, cut));
        word = word.slice(cut);
      }
      line = word;
    }
    lines.push(line);
  }
  return lines;
}

export interface Fonts {
  regular: PDFFont;
  bold: PDFFont;
}

export interface TextOptions {
  x?: number;
  size?: number;
  bold?: boolean;
  /** Another font than the regular or bold one (a monospace one for hashes). */
  font?: PDFFont;
  color?: RGB;
  width?: number;
  align?: "left" | "right" | "center";
  /** Space after the text, in points. */
  gap?: number;
}

/** What the foot of page `page` (from 1) of `total` says: on the left, and on the right if anything. */
export type Footer = (page: number, total: number) => { left: string; right?: string };

/** Writes down A4 pages from the top margin, starting a new page when the next line would reach the footer. */
export class PageWriter {
  page!: PDFPage;
  y = 0;
  readonly pages: PDFPage[] = [];
  constructor(
    private readonly doc: PDFDocument,
    readonly fonts: Fonts,
    private readonly footer: Footer,
  ) {
    this.newPage();
  }

  /** Where the text stops and the footer begins. */
  static readonly BOTTOM = 28 * MM;

  newPage(): void {
    this.page = this.doc.addPage([A4.width, A4.height]);
    this.pages.push(this.page);
    this.y = A4.height - 25 * MM;
  }

  /** Room for `height` more points above the footer, or a new page. */
  need(height: number): void {
    if (this.y - height < PageWriter.BOTTOM) this.newPage();
  }

  /** Wrapped text; each line goes on the page that has room for it. */
  text(text: string, options: TextOptions = {}): void {
    const font = options.font ?? (options.bold ? this.fonts.bold : this.fonts.regular);
    const size = options.size ?? 10.5;
    const x = options.x ?? LEFT;
    const width = options.width ?? RIGHT - x;
    for (const line of wrap(printable(text, font), font, size, width)) {
      this.need(size * 1.45);
      const w = font.widthOfTextAtSize(line, size);
      const at = options.align === "right" ? x + width - w : options.align === "center" ? x + (width - w) / 2 : x;
      this.page.drawText(line, { x: at, y: this.y - size, size, font, color: options.color ?? INK });
      this.y -= size * 1.45;
    }
    this.y -= options.gap ?? 0;
  }

  /** The height `text` takes with these options, its gap included: to keep blocks together (`need`). */
  height(text: string, options: TextOptions = {}): number {
    const font = options.font ?? (options.bold ? this.fonts.bold : this.fonts.regular);
    const size = options.size ?? 10.5;
    const width = options.width ?? RIGHT - (options.x ?? LEFT);
    return wrap(printable(text, font), font, size, width).length * size * 1.45 + (options.gap ?? 0);
  }

  /** Draws every page's footer, once the number of pages is known. */
  finish(): void {
    const total = this.pages.length;
    const { regular } = this.fonts;
    this.pages.forEach((p, n) => {
      const { left, right } = this.footer(n + 1, total);
      p.drawText(printable(left, regular), { x: LEFT, y: 14 * MM, size: 8, font: regular, color: MUTED });
      if (right) {
        const label = printable(right, regular);
        p.drawText(label, { x: RIGHT - regular.widthOfTextAtSize(label, 8), y: 14 * MM, size: 8, font: regular, color: MUTED });
      }
    });
  }
}
