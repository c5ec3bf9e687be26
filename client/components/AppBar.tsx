import { A } from "@solidjs/router";
import { Show, Suspense, lazy, type JSX } from "solid-js";
import { user } from "../session";

// Office only, and in a chunk of its own: the floor's first screen does not download it.
const Freshness = lazy(() => import("./Freshness"));
const ProviderAlerts = lazy(() => import("./ProviderAlerts"));

/** The top bar of every screen: an optional back link, a title and subtitle, and room for a menu. */
export function AppBar(props: { title: string; subtitle?: string; back?: string; children?: JSX.Element }) {
  return (
    <header class="app-bar">
      <Show when={props.back}>
        <A href={props.back!} class="icon-button" aria-label="Retour">
          <svg viewBox="0 0 24 24" width="26" height="26" aria-hidden="true">
            <path d="M15 5l-7 7 7 7" fill="none" stroke="currentColor" stroke-width="2.4" stroke-linecap="round" stroke-linejoin="round" />
          </svg>
        </A>
      </Show>
      <div class="app-bar-titles">
        <h1>{props.title}</h1>
        <Show when={props.subtitle}>
          <p>{props.subtitle}</p>
        </Show>
      </div>
      {props.children}
      <Show when={user() && user()!.role !== "site_manager"}>
        <Suspense>
          <Freshness />
          <ProviderAlerts />
        </Suspense>
      </Show>
    </header>
  );
}
