import { Match, Switch, type JSX } from "solid-js";
import { ApiError } from "../api";
import { Spinner } from "./Spinner";

/** A screen's data while it loads (a spinner), when it could not be loaded (why), else the screen itself. */
export function QueryState(props: { query: { isPending: boolean; isError: boolean; error: unknown }; failed: string; children: JSX.Element }) {
  return (
    <Switch fallback={props.children}>
      <Match when={props.query.isPending}>
        <Spinner />
      </Match>
      <Match when={props.query.isError}>
        <div class="empty">
          <p>{props.query.error instanceof ApiError ? props.query.error.message : props.failed}</p>
        </div>
      </Match>
    </Switch>
  );
}
