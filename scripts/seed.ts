/** Demo data, created through the public API with @p2p/client (as a frontend or script would). */
import { createClient } from "@p2p/client";

const url = process.env.PUBLIC_URL ?? "http://localhost:3000";
const api = createClient({ url });
const info = await api.system.info.query();
console.log(`seeding ${url} (server ${info.version})`);
