// What a person recognises of a session in their list: "Chrome sur Android", on a phone or at a desk. Read from
// the browser's own description (User-Agent) only: enough to tell one's phone from the office PC, never a proof.

export type Place = "phone" | "desk";

/** A phone (or a tablet used on the floor) by its User-Agent: `Mobi`, `Android`, `iPhone`, `iPad`. */
export function placeOf(userAgent: string | null | undefined): Place {
  return /Mobi|Android|iPhone|iPad|iPod/i.test(userAgent ?? "") ? "phone" : "desk";
}

const BROWSERS: [RegExp, string][] = [
  [/EdgA?\/|Edg\//, "Edge"],
  [/OPR\/|Opera/, "Opera"],
  [/SamsungBrowser\//, "Samsung Internet"],
  [/Firefox\/|FxiOS\//, "Firefox"],
  [/CriOS\/|Chrome\/|Chromium\//, "Chrome"],
  [/Safari\//, "Safari"],
];

const SYSTEMS: [RegExp, string][] = [
  [/Android/, "Android"],
  [/iPhone|iPod/, "iPhone"],
  [/iPad/, "iPad"],
  [/Windows/, "Windows"],
  [/CrOS/, "ChromeOS"],
  [/Mac OS X|Macintosh/, "macOS"],
  [/Linux/, "Linux"],
];

/** "Chrome sur Android", "Firefox sur Windows"; "Navigateur inconnu" when nothing is recognised. */
export function deviceOf(userAgent: string | null | undefined): string {
  const ua = userAgent ?? "";
  const browser = BROWSERS.find(([re]) => re.test(ua))?.[1];
  const system = SYSTEMS.find(([re]) => re.test(ua))?.[1];
  if (browser && system) return `${browser} sur ${system}`;
  return browser ?? (system ? `Navigateur sur ${system}` : "Navigateur inconnu");
}
