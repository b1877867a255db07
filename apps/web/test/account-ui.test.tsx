// @vitest-environment jsdom
import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { Router } from "wouter";
import { describeUserAgent } from "../src/features/account/userAgent";
import { TabLinks } from "../src/ui/Tabs";

afterEach(cleanup);

describe("describeUserAgent", () => {
  it.each([
    [
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
      "Edge",
      "Windows",
    ],
    [
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0.0.0 Safari/537.36",
      "Chrome",
      "Linux",
    ],
    [
      "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36",
      "Chrome",
      "Android",
    ],
    [
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
      "Safari",
      "iOS",
    ],
    ["Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 Firefox/127.0", "Firefox", "macOS"],
  ])("%s", (ua, browser, os) => {
    expect(describeUserAgent(ua)).toEqual({ browser, os });
  });

  it("says nothing of what is not a browser it knows", () => {
    expect(describeUserAgent(null)).toBeNull();
    expect(describeUserAgent("curl/8.5.0")).toBeNull();
    expect(describeUserAgent("node")).toBeNull();
  });
});

describe("TabLinks", () => {
  it("links every tab under its base, and marks only the current one", () => {
    render(
      <Router>
        <TabLinks
          label="Account sections"
          base="/account"
          current="sessions"
          tabs={[
            { id: "profile", label: "Profile" },
            { id: "sessions", label: "Sessions" },
          ]}
        />
      </Router>,
    );
    const nav = screen.getByRole("navigation", { name: "Account sections" });
    const links = screen.getAllByRole("link");
    expect(nav.contains(links[0] ?? null)).toBe(true);
    expect(links.map((a) => [a.textContent, a.getAttribute("href"), a.getAttribute("aria-current")])).toEqual([
      ["Profile", "/account/profile", null],
      ["Sessions", "/account/sessions", "page"],
    ]);
  });
});
