import { useEffect, useRef } from "react";
import { useLocation } from "wouter";

/** How long a new page may take to show its heading (a lazy chunk, then its data). */
const HEADING_WAIT_MS = 10_000;

/**
 * After a client-side navigation (never on the first load), focus moves to the new page's main
 * heading, where a screen reader then starts, as after a full page load; a page that put focus
 * somewhere in its content itself (a field, a post it links to) keeps it.
 */
export function useFocusOnNavigation(): void {
  const [location] = useLocation();
  const shown = useRef(location);
  useEffect(() => {
    if (shown.current === location) return;
    shown.current = location;
    const focusHeading = () => {
      const main = document.getElementById("main");
      // The one shown: the page left may still be in the document, hidden, while the new one loads.
      const heading = [...(main?.querySelectorAll("h1") ?? [])].find((h) => h.getClientRects().length > 0);
      if (!main || !heading) return false;
      const active = document.activeElement;
      if (!main.contains(active) || active === main) {
        heading.tabIndex = -1;
        heading.focus();
      }
      return true;
    };
    if (focusHeading()) return;
    // The page is still loading: its heading comes later.
    const observer = new MutationObserver(() => {
      if (focusHeading()) observer.disconnect();
    });
    observer.observe(document.body, { childList: true, subtree: true });
    const giveUp = setTimeout(() => observer.disconnect(), HEADING_WAIT_MS);
    return () => {
      observer.disconnect();
      clearTimeout(giveUp);
    };
  }, [location]);
}
