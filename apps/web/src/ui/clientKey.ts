import { useMemo, useRef } from "react";

/**
 * A random (version 4) UUID. `crypto.randomUUID` exists only in secure contexts (HTTPS or
 * localhost); an intranet served over plain HTTP has `crypto.getRandomValues` alone.
 */
export function randomId(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The client id (`clientMessageId`) of what a form creates, so that sending it again after a lost
 * answer makes it once: the same id while the same thing is sent again, a new one once what is
 * sent changed (the server refuses an id reused for something else) or once it was made.
 */
export function useClientKey() {
  const last = useRef<{ key: string; sent: string } | null>(null);
  return useMemo(
    () => ({
      /** The id to send with `input`. */
      for(input: unknown): string {
        const sent = JSON.stringify(input);
        if (last.current?.sent !== sent) last.current = { key: randomId(), sent };
        return last.current.key;
      },
      /** What was sent was made: the next thing gets a new id. */
      made(): void {
        last.current = null;
      },
    }),
    [],
  );
}
