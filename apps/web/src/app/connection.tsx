import type { P2PClient } from "@p2p/client";
import { useQueryClient } from "@tanstack/react-query";
import { createContext, useContext, useEffect, useState } from "react";
import { useT } from "../i18n";

export const ClientContext = createContext<P2PClient | null>(null);

/**
 * "Connection lost. Reconnecting…" while the WebSocket is down after having been up (not on the
 * first connect); when it is back, the live subscriptions resume by themselves from their last
 * event id, and what is on screen is refetched.
 */
export function LiveBanner() {
  const client = useContext(ClientContext);
  const queryClient = useQueryClient();
  const t = useT();
  const [down, setDown] = useState(false);
  useEffect(() => {
    let connected = false;
    let lost = false;
    return client?.onConnectionState((state) => {
      if (state === "pending") {
        if (lost) void queryClient.invalidateQueries();
        connected = true;
        lost = false;
      } else if (state === "connecting" && connected) lost = true;
      setDown(lost);
    });
  }, [client, queryClient]);
  if (!down) return null;
  return (
    <div role="status" className="live-banner">
      {t("live.reconnecting")}
    </div>
  );
}
