import type { UseCaseLocation } from "@p2p/schemas";
import { useQuery } from "@tanstack/react-query";
import { useEffect, useId, useState } from "react";
import { useTRPC } from "../../api";
import { useI18n } from "../../i18n";
import { errorText } from "../../ui/errors";

/** `value`, once it stopped changing for `ms` (a search per pause in typing, not per key). */
function useSettled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

interface CityPickerProps {
  label: string;
  value: UseCaseLocation | null;
  onChange(value: UseCaseLocation | null): void;
  error?: string | undefined;
}

/**
 * A city from the gazetteer (locations.searchCities): type a few letters, choose one of the
 * matches (plain buttons, so keyboard and screen readers need nothing special). The chosen city
 * is shown with a button to change it.
 */
export function CityPicker({ label, value, onChange, error }: CityPickerProps) {
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const id = useId();
  const [text, setText] = useState("");
  const q = useSettled(text.trim(), 250);
  const cities = useQuery(
    trpc.locations.searchCities.queryOptions({ q, limit: 6 }, { enabled: q.length >= 2, staleTime: 300_000 }),
  );
  if (value) {
    return (
      <div className="field">
        <span className="uc-label">{label}</span>
        <p className="uc-chosen">
          <span>
            {value.city}, {value.country}
          </span>
          <button type="button" className="link" onClick={() => onChange(null)}>
            {t("useCases.city.change")}
          </button>
        </p>
      </div>
    );
  }
  const items = q.length >= 2 ? (cities.data?.items ?? []) : [];
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="search"
        value={text}
        autoComplete="off"
        maxLength={100}
        aria-invalid={error ? true : undefined}
        aria-describedby={`${id}-status${error ? ` ${id}-error` : ""}`}
        onChange={(e) => setText(e.target.value)}
      />
      <small id={`${id}-status`} className="hint" aria-live="polite">
        {q.length < 2
          ? t("useCases.city.hint")
          : cities.isFetching
            ? t("state.loading")
            : t("useCases.city.found", { count: items.length })}
      </small>
      {cities.error && <small className="field-error">{errorText(t, cities.error)}</small>}
      {items.length > 0 && (
        <ul className="uc-city-results">
          {items.map((c) => (
            <li key={c.id}>
              <button
                type="button"
                onClick={() => onChange({ city: c.name, country: c.country, lat: c.lat, lng: c.lng })}
              >
                {[locale === "ar" ? (c.nameAr ?? c.name) : c.name, c.region, c.country].filter(Boolean).join(", ")}
              </button>
            </li>
          ))}
        </ul>
      )}
      {error && (
        <small id={`${id}-error`} className="field-error">
          {error}
        </small>
      )}
    </div>
  );
}
