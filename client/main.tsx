import { render } from "solid-js/web";
import { App } from "./app";
import { applyStyles } from "./boot";
import "./styles.css";

// Drawn once the stylesheet applies: no screen shows unstyled (index.html's frame is up meanwhile).
void applyStyles().then(() => render(() => <App />, document.getElementById("app")!));
