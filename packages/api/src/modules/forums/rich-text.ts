import sanitizeHtml from "sanitize-html";

const MENTION = /data-mention="([0-9a-f-]{36})"/g;

// What rich text may contain: formatting, lists, quotes, code, tables, links and images over
// http(s), and mentions as <span data-mention="userId">. No scripts, styles, event handlers or
// javascript: URLs survive.
const options: sanitizeHtml.IOptions = {
  allowedTags: [
    "p",
    "br",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "s",
    "blockquote",
    "code",
    "pre",
    "ul",
    "ol",
    "li",
    "h2",
    "h3",
    "h4",
    "a",
    "img",
    "span",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "hr",
  ],
  allowedAttributes: {
    a: ["href", "title", "rel", "target"],
    img: ["src", "alt", "title", "width", "height"],
    span: ["data-mention"],
    "*": ["dir", "lang"],
  },
  allowedSchemes: ["http", "https", "mailto"],
  allowedSchemesByTag: { img: ["https"] },
  allowProtocolRelative: false,
  transformTags: {
    // Links open safely: no referrer, no access to the opener, not endorsed for search engines.
    a: sanitizeHtml.simpleTransform("a", { rel: "nofollow noopener noreferrer ugc", target: "_blank" }),
  },
  // An image whose source was refused (data:, http:, javascript:) would show as an empty box and
  // count as content: it goes altogether.
  exclusiveFilter: (frame) => frame.tag === "img" && !frame.attribs.src,
};

export interface CleanRichText {
  html: string;
  /** Plain-text copy for search and snippets. */
  text: string;
  /** Distinct user ids mentioned with <span data-mention="…">. */
  mentions: string[];
}

export function cleanRichText(input: string): CleanRichText {
  const html = sanitizeHtml(input, options).trim();
  const text = sanitizeHtml(html.replace(/<(br|\/p|\/li|\/h\d|\/blockquote|\/pre|\/tr)>/g, "$&\n"), {
    allowedTags: [],
    allowedAttributes: {},
  })
    .replace(/&nbsp;/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    // Last, so "&amp;lt;" (the text "&lt;") is not decoded twice.
    .replace(/&amp;/g, "&")
    .replace(/[ \t]+/g, " ")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
  const mentions = [...new Set([...html.matchAll(MENTION)].map((m) => m[1] as string))];
  return { html, text, mentions };
}
