import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "../../api";
import { useMyEvents } from "../../app/events";
import { useT } from "../../i18n";
import { errorText } from "../../ui/errors";

/**
 * Starts an export (a job on the server), follows its progress on the personal stream (with a
 * slow poll of its status in case an event is missed), then offers the download link.
 */
export function ExportButton({ label, start }: { label: string; start(): Promise<{ exportId: string }> }) {
  const t = useT();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [exportId, setExportId] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const [startError, setStartError] = useState<unknown>(null);
  const status = useQuery(
    trpc.useCases.exportStatus.queryOptions(
      { exportId: exportId ?? "" },
      {
        enabled: exportId !== null,
        refetchInterval: (q) => (q.state.data?.status === "running" ? 3_000 : false),
      },
    ),
  );
  useMyEvents((event) => {
    if (event.type !== "export.progress" || event.exportId !== exportId) return;
    if (event.status === "running") {
      queryClient.setQueryData(trpc.useCases.exportStatus.queryKey({ exportId }), (old) =>
        old ? { ...old, percent: event.percent } : old,
      );
    } else {
      // Ready or failed: the status has the file's name and a fresh link.
      void status.refetch();
    }
  });
  const run = async () => {
    setStarting(true);
    setStartError(null);
    try {
      setExportId((await start()).exportId);
    } catch (error) {
      setStartError(error);
    } finally {
      setStarting(false);
    }
  };
  const current = exportId ? status.data : undefined;
  const running = starting || (exportId !== null && (!current || current.status === "running"));
  return (
    <div className="uc-export">
      <button type="button" onClick={run} disabled={running}>
        {label}
      </button>
      {running && exportId && (
        <progress max={100} value={current?.percent ?? 0} aria-label={t("useCases.export.progress")} />
      )}
      {current?.status === "ready" && current.url && (
        <a href={current.url} download={current.fileName ?? undefined}>
          {t("useCases.export.download", { name: current.fileName ?? "" })}
        </a>
      )}
      {current?.status === "failed" && (
        <p role="alert" className="form-error">
          {t("useCases.export.failed")}
        </p>
      )}
      {(startError || status.error) && (
        <p role="alert" className="form-error">
          {errorText(t, startError ?? status.error, "useCases")}
        </p>
      )}
    </div>
  );
}
