// index.html draws the app's frame — the brand at the top of the page, with the few rules it needs in an inline
// <style> the server allows by its hash (server/static.ts) — before any script or stylesheet has come down the
// connection. The sign-in page keeps that very element as its own heading, so the largest thing on its
// first screen is painted with the HTML; every other screen removes it once it has drawn.

let keepers = 0;

/**
 * The sign-in page takes index.html's brand as its own: true while it is there (false when the user came from
 * another screen, which removed it). Each keeper calls `releaseBootFrame` when it goes.
 */
export function keepBootFrame(): boolean {
  const there = document.querySelector("[data-boot]") !== null;
  if (there) keepers++;
  return there;
}

/** The screen that kept the frame is gone; the frame goes too, unless the screen was drawn again in its place. */
export function releaseBootFrame(): void {
  keepers--;
  // The router may draw the page again in the same task (a lazy route settling): it keeps the frame again first.
  queueMicrotask(() => keepers === 0 && dropBootFrame());
}

/** Removes index.html's frame: a screen of the app has drawn. */
export function dropBootFrame(): void {
  document.querySelector("[data-boot]")?.remove();
}

export function bootFrameKept(): boolean {
  return keepers > 0;
}

/**
 * Applies the stylesheet index.html only preloads (vite.config.ts, `stylesAfterFirstPaint`): a stylesheet linked
 * in the HTML would hold back the first paint until it arrived; the frame has its own few rules inline. Resolves
 * once it applies (or failed to load: the app is still usable), so no screen is drawn unstyled.
 */
export function applyStyles(): Promise<void> {
  const preloads = [...document.querySelectorAll<HTMLLinkElement>('link[rel="preload"][as="style"][data-app-styles]')];
  return Promise.all(
    preloads.map(
      (preload) =>
        new Promise<void>((done) => {
          const sheet = document.createElement("link");
          sheet.rel = "stylesheet";
          sheet.href = preload.href;
          if (preload.crossOrigin !== null) sheet.crossOrigin = preload.crossOrigin;
          sheet.onload = sheet.onerror = () => done();
          document.head.append(sheet);
        }),
    ),
  ).then(() => undefined);
}
