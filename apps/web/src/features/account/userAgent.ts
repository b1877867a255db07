/** The first pattern that matches names the browser or system; order matters (Edge's string also says Chrome). */
const browsers: [RegExp, string][] = [
  [/Edg(e|A|iOS)?\//, "Edge"],
  [/OPR\/|Opera/, "Opera"],
  [/SamsungBrowser\//, "Samsung Internet"],
  [/Firefox\/|FxiOS\//, "Firefox"],
  [/Chrom(e|ium)\/|CriOS\//, "Chrome"],
  [/Version\/[\d.]+.*Safari\//, "Safari"],
];
const systems: [RegExp, string][] = [
  [/Windows/, "Windows"],
  [/Android/, "Android"],
  [/iPhone|iPad|iPod/, "iOS"],
  [/CrOS/, "ChromeOS"],
  [/Mac OS X|Macintosh/, "macOS"],
  [/Linux/, "Linux"],
];

const first = (list: [RegExp, string][], ua: string) => list.find(([re]) => re.test(ua))?.[1];

/** "Chrome" on "Windows" from a session's User-Agent; null when it is not a browser we know (a script, curl). */
export function describeUserAgent(ua: string | null): { browser: string; os: string } | null {
  if (!ua) return null;
  const browser = first(browsers, ua);
  const os = first(systems, ua);
  return browser && os ? { browser, os } : null;
}
