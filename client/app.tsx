import { Navigate, Route, Router, useLocation, type RouteSectionProps } from "@solidjs/router";
import { Match, Show, Switch, children, createEffect, lazy, onMount, type JSX } from "solid-js";
import { UpdatePrompt } from "./pwa/UpdatePrompt";
import { refreshSession, user } from "./session";
import { Spinner } from "./components/Spinner";
import { bootFrameKept, dropBootFrame } from "./boot";

// The phone's store (Dexie) and its status bar load once someone is signed in: the sign-in screen needs neither.
const StatusBar = lazy(() => import("./components/StatusBar").then((m) => ({ default: m.StatusBar })));

// Pages load on demand so that the first screen comes up before the rest of the app has downloaded; the
// service worker precaches them all in the background.
const LoginPage = lazy(() => import("./pages/login/LoginPage").then((m) => ({ default: m.LoginPage })));
const TodayPage = lazy(() => import("./pages/today/TodayPage").then((m) => ({ default: m.TodayPage })));
const DebtorPage = lazy(() => import("./pages/debtor/DebtorPage").then((m) => ({ default: m.DebtorPage })));
const OpeningPage = lazy(() => import("./pages/opening/OpeningPage").then((m) => ({ default: m.OpeningPage })));
const WalkthroughPage = lazy(() => import("./pages/walkthrough/WalkthroughPage").then((m) => ({ default: m.WalkthroughPage })));
const ApprovalsPage = lazy(() => import("./pages/approvals/ApprovalsPage").then((m) => ({ default: m.ApprovalsPage })));
const ScenariosPage = lazy(() => import("./pages/scenarios/ScenariosPage").then((m) => ({ default: m.ScenariosPage })));
const MessagesPage = lazy(() => import("./pages/messages/MessagesPage").then((m) => ({ default: m.MessagesPage })));
const TemplatesPage = lazy(() => import("./pages/templates/TemplatesPage").then((m) => ({ default: m.TemplatesPage })));
const BillingPage = lazy(() => import("./pages/billing/BillingPage").then((m) => ({ default: m.BillingPage })));
const PhonesPage = lazy(() => import("./pages/phones/PhonesPage").then((m) => ({ default: m.PhonesPage })));
const ImportsPage = lazy(() => import("./pages/imports/ImportsPage").then((m) => ({ default: m.ImportsPage })));
const UsersPage = lazy(() => import("./pages/users/UsersPage").then((m) => ({ default: m.UsersPage })));
const AccountPage = lazy(() => import("./pages/account/AccountPage").then((m) => ({ default: m.AccountPage })));
// Reached from an e-mail with no session, often on a phone: public, like the sign-in screen.
const PasswordLinkPage = lazy(() => import("./pages/account/PasswordLinkPage").then((m) => ({ default: m.PasswordLinkPage })));
const ForgotPasswordPage = lazy(() => import("./pages/account/ForgotPasswordPage").then((m) => ({ default: m.ForgotPasswordPage })));
const SitesPage = lazy(() => import("./pages/sites/SitesPage").then((m) => ({ default: m.SitesPage })));
const SetupPage = lazy(() => import("./pages/setup/SetupPage").then((m) => ({ default: m.SetupPage })));
const AuditPage = lazy(() => import("./pages/audit/AuditPage").then((m) => ({ default: m.AuditPage })));
const PrivacyPage = lazy(() => import("./pages/privacy/PrivacyPage").then((m) => ({ default: m.PrivacyPage })));
// The office console: desk-sized, in chunks of its own that the phone's first screen never downloads.
const FollowUpPage = lazy(() => import("./pages/follow-up/FollowUpPage").then((m) => ({ default: m.FollowUpPage })));
const DashboardPage = lazy(() => import("./pages/dashboard/DashboardPage").then((m) => ({ default: m.DashboardPage })));
const HandOverPage = lazy(() => import("./pages/hand-over/HandOverPage").then((m) => ({ default: m.HandOverPage })));

export function App() {
  onMount(() => void refreshSession());
  return (
    <Router root={Shell}>
        <Route path="/connexion" component={LoginPage} />
        <Route path="/premiers-pas" component={SetupPage} />
        <Route path={["/bienvenue", "/mot-de-passe"]} component={PasswordLinkPage} />
        <Route path="/mot-de-passe-oublie" component={ForgotPasswordPage} />
        {/* Its code comes down while the session is asked for (a first start remembers nobody yet). */}
        <Route path="/" component={() => <RequireUser>{() => <TodayPage />}</RequireUser>} preload={() => void TodayPage.preload()} />
        <Route path="/debiteurs/:customerId" component={() => <RequireUser>{() => <DebtorPage />}</RequireUser>} />
        <Route path="/debiteurs/:customerId/ouverture/:unitId" component={() => <RequireUser>{() => <OpeningPage />}</RequireUser>} />
        <Route path="/cadenas" component={() => <RequireUser>{() => <WalkthroughPage />}</RequireUser>} />
        <Route path="/validations" component={() => <RequireUser>{() => <ApprovalsPage />}</RequireUser>} />
        <Route path="/scenarios" component={() => <RequireUser>{() => <ScenariosPage />}</RequireUser>} />
        <Route path="/envois" component={() => <RequireUser>{() => <MessagesPage />}</RequireUser>} />
        <Route path="/modeles" component={() => <RequireUser>{() => <TemplatesPage />}</RequireUser>} />
        <Route path="/facturation" component={() => <RequireUser>{() => <BillingPage />}</RequireUser>} />
        <Route path="/actions-en-echec" component={() => <RequireUser>{() => <PhonesPage />}</RequireUser>} />
        <Route path="/imports" component={() => <RequireUser>{() => <ImportsPage />}</RequireUser>} />
        <Route path="/utilisateurs" component={() => <RequireUser>{() => <UsersPage />}</RequireUser>} />
        <Route path="/compte" component={() => <RequireUser>{() => <AccountPage />}</RequireUser>} />
        <Route path="/sites" component={() => <RequireUser>{() => <SitesPage />}</RequireUser>} />
        <Route path="/journal" component={() => <RequireUser>{() => <AuditPage />}</RequireUser>} />
        <Route path="/donnees-personnelles" component={() => <RequireUser>{() => <PrivacyPage />}</RequireUser>} />
        <Route path="/suivi" component={() => <RequireUser>{() => <FollowUpPage />}</RequireUser>} />
        <Route path="/tableau-de-bord" component={() => <RequireUser>{() => <DashboardPage />}</RequireUser>} />
        <Route path="/contentieux" component={() => <RequireUser>{() => <HandOverPage />}</RequireUser>} />
        <Route path="*" component={() => <Navigate href="/" />} />
    </Router>
  );
}

function Shell(props: RouteSectionProps) {
  // Sync runs whenever someone is signed in, on every screen.
  createEffect(() => {
    if (user()) void import("./store").then((store) => store.startSync());
  });
  // The frame index.html draws stays until the screen asked for has drawn something (its code loaded), unless that
  // screen keeps it (the sign-in page's brand).
  const page = children(() => props.children);
  createEffect(() => {
    // (A lazy page whose code is still coming down stands as an empty string, not an element.)
    if (page.toArray().some((node) => node instanceof Element) && !bootFrameKept()) dropBootFrame();
  });
  return (
    <div class="shell">
      {page()}
      <Show when={user()}>
        <StatusBar />
      </Show>
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
