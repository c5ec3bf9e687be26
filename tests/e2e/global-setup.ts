import { ensureClientBuilt } from "../../server/cli/client-build";

/** The e2e tests drive the production build, as `npm start` serves it. Built once, only when sources changed. */
export default async function setup(): Promise<void> {
  await ensureClientBuilt(undefined, () => {});
}
