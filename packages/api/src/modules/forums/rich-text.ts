import sanitizeHtml from "sanitize-html";

const MENTION = /data-mention="([0-9a-f-]{36})"/g;

// What rich text may contain: formatting, lists, quotes, code, tables, links over http(s), images
// from absolute https URLs, and mentions as <span data-mention="userId">. No scripts, styles,
// event handlers or javascript: URLs survive.
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
    img: (tagName, attribs) => ({ tagName, attribs: safeImage(attribs) }),
  },
  // An image whose source was refused (relative, data:, http:, javascript:) would show as an empty
  // box and count as content: it goes altogether.
  exclusiveFilter: (frame) => frame.tag === "img" && !frame.attribs.src,
};

/** Largest width or height an image may declare, in pixels. */
const MAX_IMAGE_SIDE = 4096;

/**
 * An image's attributes made safe: `src` only as an absolute https URL without credentials (a
 * relative one would point at our own endpoints, with the reader's cookies), written in its
 * normalized form; width and height only as whole pixels 1..4096, else dropped.
 */
function safeImage(attribs: sanitizeHtml.Attributes): sanitizeHtml.Attributes {
  const safe: sanitizeHtml.Attributes = {};
  // In their written order, so the output reads like the input.
  for (const [name, value] of Object.entries(attribs)) {
    if (name === "src") {
      const url = URL.parse(value);
      if (url && url.protocol === "https:" && !url.username && !url.password) safe.src = url.href;
    } else if (name === "width" || name === "height") {
      const px = /^\d{1,4}$/.test(value.trim()) ? Number(value) : 0;
      if (px >= 1 && px <= MAX_IMAGE_SIDE) safe[name] = String(px);
    } else {
      safe[name] = value;
    }
  }
  return safe;
}

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
