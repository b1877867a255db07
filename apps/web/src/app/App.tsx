import type { P2PClient } from "@p2p/client";
import { type QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { TRPCProvider } from "../api";
import { I18nProvider, type Locale } from "../i18n";
import { ClientContext } from "./connection";
import { Routes } from "./routes";

/** Everything a page needs around it: the query cache, the typed client, the language. */
export function App({ client, queryClient, locale }: { client: P2PClient; queryClient: QueryClient; locale?: Locale }) {
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={client} queryClient={queryClient}>
        <ClientContext.Provider value={client}>
          <I18nProvider locale={locale}>
            <Routes />
          </I18nProvider>
        </ClientContext.Provider>
      </TRPCProvider>
    </QueryClientProvider>
  );
}
