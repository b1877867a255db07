import { Link } from "wouter";

export interface Tab {
  /** The path segment after `base` ("profile" → `${base}/profile`). */
  id: string;
  label: string;
}

/**
 * Sections of a page as links (each has its own address, so it can be bookmarked and the back
 * button works), the current one marked with aria-current.
 */
export function TabLinks({
  label,
  base,
  tabs,
  current,
}: {
  label: string;
  base: string;
  tabs: Tab[];
  current: string;
}) {
  return (
    <nav aria-label={label} className="tabs">
      <ul>
        {tabs.map((tab) => (
          <li key={tab.id}>
            <Link href={`${base}/${tab.id}`} aria-current={tab.id === current ? "page" : undefined}>
              {tab.label}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}
