import type { IncomingMessage } from "node:http";
import proxyaddr from "proxy-addr";

/**
 * Which proxies in front of the server are trusted to say who the client is (X-Forwarded-For):
 * none (the socket peer is the client), the nearest `hops` proxies, or proxies at these
 * addresses (IPs, CIDRs, or proxy-addr's names: loopback, linklocal, uniquelocal).
 */
export type TrustedProxies = { hops: number } | { addresses: string[] };

/** The client's IP for rate limits and audit, read through X-Forwarded-For only from trusted proxies. */
export function clientIpResolver(trusted: TrustedProxies): (req: IncomingMessage) => string | null {
  const trust =
    "hops" in trusted ? (_addr: string, hop: number) => hop < trusted.hops : proxyaddr.compile(trusted.addresses);
  return (req) => (req.socket.remoteAddress ? proxyaddr(req, trust) : null);
}

/** TRUST_PROXY: empty or "false" = none; a number = that many hops; otherwise a comma-separated list. */
export function parseTrustedProxies(value: string | undefined): TrustedProxies {
  const v = value?.trim() ?? "";
  if (v === "" || v === "false" || v === "0") return { hops: 0 };
  if (/^\d+$/.test(v)) return { hops: Number(v) };
  const addresses = v
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  proxyaddr.compile(addresses); // throws on a malformed address, so bad config fails at start
  return { addresses };
}
