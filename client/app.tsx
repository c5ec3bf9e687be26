import { Navigate, Route, Router, useLocation, type RouteSectionProps } from "@solidjs/router";
import { QueryClient, QueryClientProvider } from "@tanstack/solid-query";
import { Match, Switch, lazy, onMount, type JSX } from "solid-js";
import { ApiError } from "./api";
import { ConnectionBanner } from "./components/ConnectionBanner";
import { UpdatePrompt } from "./pwa/UpdatePrompt";
import { refreshSession, user } from "./session";
import { Spinner } from "./components/Spinner";

// Pages load on demand so that the first screen comes up before the rest of the app has downloaded; the
// service worker precaches them all in the background.
const LoginPage = lazy(() => import("./pages/login/LoginPage").then((m) => ({ default: m.LoginPage })));
const TodayPage = lazy(() => import("./pages/today/TodayPage").then((m) => ({ default: m.TodayPage })));
const DebtorPage = lazy(() => import("./pages/debtor/DebtorPage").then((m) => ({ default: m.DebtorPage })));

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // Always ask: with no signal the service worker answers from its cache, where the default "online" mode
      // would not even try and leave the screen empty.
      networkMode: "always",
      staleTime: 30_000,
      gcTime: 24 * 3600_000,
      // Weak signal: retry network failures a little, never a 4xx.
      retry: (count, error) => count < 2 && error instanceof ApiError && (error.code === "NETWORK" || error.status >= 500),
    },
  },
});

export function App() {
  onMount(() => void refreshSession());
  return (
    <QueryClientProvider client={queryClient}>
      <Router root={Shell}>
        <Route path="/connexion" component={LoginPage} />
        <Route path="/" component={() => <RequireUser>{() => <TodayPage />}</RequireUser>} />
        <Route path="/debiteurs/:customerId" component={() => <RequireUser>{() => <DebtorPage />}</RequireUser>} />
        <Route path="*" component={() => <Navigate href="/" />} />
      </Router>
    </QueryClientProvider>
  );
}

function Shell(props: RouteSectionProps) {
  return (
    <div class="shell">
      <ConnectionBanner />
      {props.children}
      <UpdatePrompt />
    </div>
  );
}

/** Shows the page to a signed-in user, the sign-in screen to everyone else, a spinner while it is not known. */
function RequireUser(props: { children: () => JSX.Element }) {
  const location = useLocation();
  return (
    <Switch>
      <Match when={user() === undefined}>
        <Spinner fullScreen />
      </Match>
      <Match when={user() === null}>
        <Navigate href={`/connexion?retour=${encodeURIComponent(location.pathname)}`} />
      </Match>
      <Match when={user()}>{props.children()}</Match>
    </Switch>
  );
}
