import { Show } from "solid-js";
import { useRegisterSW } from "virtual:pwa-register/solid";

const HOURLY = 3_600_000;

/**
 * Registers the service worker and offers a new version when one is waiting. Installed iOS apps only look for
 * a new worker at restart, so the app also checks whenever it comes back to the foreground.
 */
export function UpdatePrompt() {
  const {
    needRefresh: [needRefresh, setNeedRefresh],
    updateServiceWorker,
  } = useRegisterSW({
    immediate: true,
    onRegisteredSW(_url, registration) {
      if (!registration) return;
      const check = () => {
        if (navigator.onLine) registration.update().catch(() => {});
      };
      document.addEventListener("visibilitychange", () => {
        if (document.visibilityState === "visible") check();
      });
      setInterval(check, HOURLY);
    },
  });

  const update = () => {
    // The plugin reloads only when the page was already controlled at start-up; on a first visit the new
    // worker takes control without a reload, so reload when control changes.
    navigator.serviceWorker?.addEventListener("controllerchange", () => window.location.reload(), { once: true });
    void updateServiceWorker(true);
  };

  return (
    <Show when={needRefresh()}>
      <div class="toast" role="alert">
        <span>Une nouvelle version de Cadenas est disponible.</span>
        <div class="toast-actions">
          <button type="button" class="button ghost" onClick={() => setNeedRefresh(false)}>
            Plus tard
          </button>
          <button type="button" class="button primary" onClick={update}>
            Mettre à jour
          </button>
        </div>
      </div>
    </Show>
  );
}
