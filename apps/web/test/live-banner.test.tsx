// @vitest-environment jsdom
import type { ConnectionState, P2PClient } from "@p2p/client";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { ClientContext, LiveBanner } from "../src/app/connection";
import { I18nProvider } from "../src/i18n";

/**
 * A stand-in for the browser's WebSocket link: only what LiveBanner reads of the client, the
 * connection state, which the test moves by hand (a dropped network cannot be staged in jsdom).
 */
function fakeConnection() {
  const listeners = new Set<(state: ConnectionState) => void>();
  const client = {
    onConnectionState(listener: (state: ConnectionState) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  } as unknown as P2PClient;
  const emit = (state: ConnectionState) =>
    act(() => {
      for (const listener of listeners) listener(state);
    });
  return { client, emit, listeners };
}

function renderBanner(client: P2PClient, queryClient = new QueryClient()) {
  return render(
    <QueryClientProvider client={queryClient}>
      <ClientContext.Provider value={client}>
        <I18nProvider locale="en">
          <LiveBanner />
        </I18nProvider>
      </ClientContext.Provider>
    </QueryClientProvider>,
  );
}

afterEach(cleanup);

describe("LiveBanner", () => {
  it("says nothing while the first connection is made", () => {
    const { client, emit } = fakeConnection();
    renderBanner(client);
    emit("connecting");
    expect(screen.queryByRole("status")).toBeNull();
    emit("pending");
    expect(screen.queryByRole("status")).toBeNull();
  });

  it("shows after a drop, goes when the link is back, and refetches what is on screen", () => {
    const { client, emit } = fakeConnection();
    const queryClient = new QueryClient();
    queryClient.setQueryData(["on screen"], 1);
    renderBanner(client, queryClient);
    emit("connecting");
    emit("pending");
    expect(queryClient.getQueryState(["on screen"])?.isInvalidated).toBe(false);

    emit("connecting");
    expect(screen.getByRole("status").textContent).toBe("Connection lost. Reconnecting…");
    emit("connecting");
    expect(screen.getAllByRole("status")).toHaveLength(1);

    emit("pending");
    expect(screen.queryByRole("status")).toBeNull();
    expect(queryClient.getQueryState(["on screen"])?.isInvalidated).toBe(true);
  });

  it("stops listening when it leaves the page", () => {
    const { client, listeners } = fakeConnection();
    const { unmount } = renderBanner(client);
    expect(listeners.size).toBe(1);
    unmount();
    expect(listeners.size).toBe(0);
  });
});
