import { useMemo, useRef } from "react";

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
        if (last.current?.sent !== sent) last.current = { key: crypto.randomUUID(), sent };
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
