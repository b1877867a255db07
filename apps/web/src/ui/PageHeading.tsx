import { type ComponentProps, useEffect } from "react";
import { useT } from "../i18n";

/**
 * A page's main heading, which also names the browser tab: "<title> · P2P Sandbox" (the app's name
 * alone again once the page goes), or `tabTitle` where the heading is a greeting rather than a
 * name. `children` follow the title inside the heading (badges).
 */
export function PageHeading({
  title,
  tabTitle = title,
  children,
  ...props
}: { title: string; tabTitle?: string } & ComponentProps<"h1">) {
  const t = useT();
  const appName = t("app.name");
  useEffect(() => {
    document.title = `${tabTitle} · ${appName}`;
    return () => {
      document.title = appName;
    };
  }, [tabTitle, appName]);
  return (
    <h1 {...props}>
      {title}
      {children}
    </h1>
  );
}
