import { QueryClient, QueryClientProvider } from "@tanstack/solid-query";
import type { Component } from "solid-js";
import { ApiError } from "./api";

/**
 * Server reads that are not kept on the phone (a debtor's whole history, office screens) go through TanStack
 * Query; what the floor works with offline is in the phone's store instead.
 */
export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 30_000,
      // Weak signal: retry network failures a little, never a 4xx.
      retry: (count, error) => count < 2 && error instanceof ApiError && (error.code === "NETWORK" || error.status >= 500),
    },
  },
});

/** A plain copy of what a query or a Solid store holds (both are proxies, which structuredClone refuses): to edit. */
export const plain = <T,>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** A screen (or panel) with the query client it reads the server through. */
export function withQueries<P extends object>(Page: Component<P>): Component<P> {
  return (props) => (
    <QueryClientProvider client={queryClient}>
      <Page {...props} />
    </QueryClientProvider>
  );
}
