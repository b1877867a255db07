import { type KeyboardEvent, useCallback, useEffect, useId, useLayoutEffect, useRef, useState } from "react";
import { z } from "zod";
import { type MessageKey, useT } from "../../i18n";

interface RichTextEditorProps {
  label: string;
  /** HTML: what this editor produced, or a body the server sanitized (forums/rich-text.ts). */
  value: string;
  error?: string | undefined;
  onChange(html: string): void;
  /** Every keystroke (e.g. to tell others "typing…"). */
  onInput?(): void;
  autoFocus?: boolean;
  /** The label is read out but not shown (a heading right above says the same). */
  labelHidden?: boolean;
}

interface Tool {
  id: "bold" | "italic" | "bulletList" | "numberedList" | "link" | "code";
  label: MessageKey;
  glyph: string;
  shortcut?: string;
}

const tools: Tool[] = [
  { id: "bold", label: "forums.editor.bold", glyph: "B", shortcut: "Control+B" },
  { id: "italic", label: "forums.editor.italic", glyph: "I", shortcut: "Control+I" },
  { id: "bulletList", label: "forums.editor.bulletList", glyph: "•" },
  { id: "numberedList", label: "forums.editor.numberedList", glyph: "1." },
  { id: "link", label: "forums.editor.link", glyph: "↗", shortcut: "Control+K" },
  { id: "code", label: "forums.editor.code", glyph: "</>" },
];

/** The browser's own editing commands for the tools that have one (they keep the undo history). */
const commands: Partial<Record<Tool["id"], string>> = {
  bold: "bold",
  italic: "italic",
  bulletList: "insertUnorderedList",
  numberedList: "insertOrderedList",
};

/** Link targets the server keeps (rich-text.ts allows http, https and mailto). */
const LinkHref = z.url({ protocol: /^(https?|mailto)$/ });

/** A zero-width space keeps the caret inside a new, empty <code>; it never reaches the HTML. */
const ZWSP = "\u200b";

function enclosing(node: Node | null, tag: string, root: HTMLElement): HTMLElement | null {
  for (let n = node; n && n !== root; n = n.parentNode) {
    if (n instanceof HTMLElement && n.tagName === tag) return n;
  }
  return null;
}

/** The HTML to hand on: "" when nothing would remain once formatting is removed (so "Required" shows). */
function htmlOf(editor: HTMLElement): string {
  const empty = !editor.textContent?.replaceAll(ZWSP, "").trim() && !editor.querySelector("img");
  return empty ? "" : editor.innerHTML.replaceAll(ZWSP, "");
}

/**
 * A small rich-text editor: a contentEditable area and a toolbar (bold, italic, lists, link, code)
 * producing plain HTML (no styles) that the server sanitizes. The toolbar is one tab stop whose
 * buttons the arrow keys move between (WAI-ARIA toolbar); each shows its state with aria-pressed.
 */
export function RichTextEditor({
  label,
  value,
  error,
  onChange,
  onInput,
  autoFocus,
  labelHidden,
}: RichTextEditorProps) {
  const t = useT();
  const id = useId();
  const editorRef = useRef<HTMLDivElement>(null);
  const toolbarRef = useRef<HTMLDivElement>(null);
  /** The last HTML this editor emitted: a `value` that differs came from outside (a reset, an edit). */
  const emitted = useRef<string | null>(null);
  /** Where the caret was in the editor, restored before a toolbar command runs. */
  const saved = useRef<Range | null>(null);
  const [pressed, setPressed] = useState<Partial<Record<Tool["id"], boolean>>>({});
  const [focusIndex, setFocusIndex] = useState(0);
  const [linkBar, setLinkBar] = useState<{ href: string; error: boolean } | null>(null);

  useLayoutEffect(() => {
    const editor = editorRef.current;
    if (!editor || value === emitted.current) return;
    // Only HTML this editor made or the server already sanitized gets here (see `value`).
    editor.innerHTML = value;
    emitted.current = value;
  }, [value]);

  useEffect(() => {
    if (autoFocus) editorRef.current?.focus();
  }, [autoFocus]);

  const emit = useCallback(() => {
    const editor = editorRef.current;
    if (!editor) return;
    const html = htmlOf(editor);
    emitted.current = html;
    onChange(html);
  }, [onChange]);

  // The toolbar follows the caret: bold inside bold text, "link" inside a link, and so on.
  useEffect(() => {
    const update = () => {
      const editor = editorRef.current;
      const selection = document.getSelection();
      if (!editor || !selection?.rangeCount) return;
      const range = selection.getRangeAt(0);
      if (!editor.contains(range.commonAncestorContainer)) return;
      saved.current = range.cloneRange();
      const at = range.commonAncestorContainer;
      setPressed({
        bold: document.queryCommandState("bold"),
        italic: document.queryCommandState("italic"),
        bulletList: document.queryCommandState("insertUnorderedList"),
        numberedList: document.queryCommandState("insertOrderedList"),
        link: !!enclosing(at, "A", editor),
        code: !!enclosing(at, "CODE", editor),
      });
    };
    document.addEventListener("selectionchange", update);
    return () => document.removeEventListener("selectionchange", update);
  }, []);

  /** Puts the caret back where it was in the editor (a toolbar click or Tab moved focus away). */
  const restore = () => {
    const editor = editorRef.current;
    if (!editor) return null;
    editor.focus();
    const selection = document.getSelection();
    if (saved.current && selection) {
      selection.removeAllRanges();
      selection.addRange(saved.current);
    }
    return editor;
  };

  const toggleCode = (editor: HTMLElement) => {
    const selection = document.getSelection();
    if (!selection?.rangeCount) return;
    const range = selection.getRangeAt(0);
    const code = enclosing(range.commonAncestorContainer, "CODE", editor);
    if (code) {
      code.replaceWith(...code.childNodes);
      return;
    }
    const wrap = document.createElement("code");
    wrap.append(range.collapsed ? document.createTextNode(ZWSP) : range.extractContents());
    range.insertNode(wrap);
    selection.selectAllChildren(wrap);
    if (range.collapsed) selection.collapseToEnd();
  };

  const run = (tool: Tool["id"]) => {
    const editor = restore();
    if (!editor) return;
    if (tool === "link") {
      const link = enclosing(saved.current?.commonAncestorContainer ?? null, "A", editor);
      setLinkBar({ href: link?.getAttribute("href") ?? "https://", error: false });
      return;
    }
    // Tags, not inline styles: the server keeps <b>, <i>, <ul>…, and the page's CSP refuses style attributes.
    document.execCommand("styleWithCSS", false, "false");
    const command = commands[tool];
    if (command) document.execCommand(command);
    else toggleCode(editor);
    emit();
  };

  const closeLinkBar = () => {
    setLinkBar(null);
    restore();
  };

  const applyLink = (remove = false) => {
    if (!linkBar) return;
    const href = linkBar.href.trim();
    if (!remove && !LinkHref.safeParse(href).success) {
      setLinkBar({ href: linkBar.href, error: true });
      return;
    }
    setLinkBar(null);
    const editor = restore();
    const selection = document.getSelection();
    if (!editor || !selection?.rangeCount) return;
    const existing = enclosing(selection.getRangeAt(0).commonAncestorContainer, "A", editor);
    if (existing) selection.selectAllChildren(existing);
    if (remove) document.execCommand("unlink");
    else if (!selection.isCollapsed) document.execCommand("createLink", false, href);
    else {
      // Nothing selected: the address itself becomes the link's text.
      const a = document.createElement("a");
      a.href = href;
      a.textContent = href;
      const range = selection.getRangeAt(0);
      range.insertNode(a);
      range.setStartAfter(a);
      selection.removeAllRanges();
      selection.addRange(range);
    }
    emit();
  };

  const onToolbarKey = (event: KeyboardEvent) => {
    const rtl = getComputedStyle(event.currentTarget).direction === "rtl";
    const step = { ArrowRight: rtl ? -1 : 1, ArrowLeft: rtl ? 1 : -1 }[event.key];
    let next: number | undefined;
    if (step) next = (focusIndex + step + tools.length) % tools.length;
    else if (event.key === "Home") next = 0;
    else if (event.key === "End") next = tools.length - 1;
    if (next === undefined) return;
    event.preventDefault();
    setFocusIndex(next);
    toolbarRef.current?.querySelectorAll("button")[next]?.focus();
  };

  const onEditorKey = (event: KeyboardEvent) => {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "k") {
      event.preventDefault();
      run("link");
    }
  };

  const described = error ? `${id}-error` : undefined;
  return (
    <div className="field forums-rte">
      {/* Not a <label>: the editing area is not a form control; it names the area (aria-labelledby). */}
      <span id={`${id}-label`} className={labelHidden ? "visually-hidden" : "forums-rte-label"}>
        {label}
      </span>
      <div
        ref={toolbarRef}
        role="toolbar"
        aria-label={t("forums.editor.toolbar")}
        aria-controls={`${id}-area`}
        className="forums-rte-toolbar"
        onKeyDown={onToolbarKey}
      >
        {tools.map((tool, i) => (
          <button
            key={tool.id}
            type="button"
            className={`forums-rte-${tool.id}`}
            tabIndex={i === focusIndex ? 0 : -1}
            aria-pressed={!!pressed[tool.id]}
            aria-keyshortcuts={tool.shortcut}
            title={t(tool.label)}
            // Keeps the caret in the text on a mouse click; the keyboard path restores it in run().
            onMouseDown={(e) => e.preventDefault()}
            onFocus={() => setFocusIndex(i)}
            onClick={() => run(tool.id)}
          >
            {/* Glyphs like "1." read left to right in Arabic too. */}
            <span aria-hidden="true" dir="ltr">
              {tool.glyph}
            </span>
            <span className="visually-hidden">{t(tool.label)}</span>
          </button>
        ))}
      </div>
      {linkBar && (
        <div className="forums-rte-linkbar">
          <label htmlFor={`${id}-href`}>{t("forums.editor.linkUrl")}</label>
          <input
            id={`${id}-href`}
            type="url"
            // biome-ignore lint/a11y/noAutofocus: the bar opens to take an address
            autoFocus
            value={linkBar.href}
            aria-invalid={linkBar.error || undefined}
            aria-describedby={linkBar.error ? `${id}-href-error` : undefined}
            onChange={(e) => setLinkBar({ href: e.target.value, error: false })}
            onKeyDown={(e) => {
              // Enter applies the link here instead of submitting the form around the editor.
              if (e.key === "Enter") {
                e.preventDefault();
                applyLink();
              } else if (e.key === "Escape") {
                e.preventDefault();
                closeLinkBar();
              }
            }}
          />
          <button type="button" onClick={() => applyLink()}>
            {t("forums.editor.linkApply")}
          </button>
          {pressed.link && (
            <button type="button" onClick={() => applyLink(true)}>
              {t("forums.editor.linkRemove")}
            </button>
          )}
          <button type="button" onClick={closeLinkBar}>
            {t("action.cancel")}
          </button>
          {linkBar.error && (
            <small id={`${id}-href-error`} className="field-error">
              {t("forums.editor.linkInvalid")}
            </small>
          )}
        </div>
      )}
      {/* biome-ignore lint/a11y/useSemanticElements: a <textarea> cannot hold formatting; role=textbox is how an editing area is named */}
      <div
        ref={editorRef}
        id={`${id}-area`}
        className="forums-rte-area"
        contentEditable
        role="textbox"
        tabIndex={0}
        aria-multiline="true"
        aria-labelledby={`${id}-label`}
        aria-invalid={error ? true : undefined}
        aria-describedby={described}
        onInput={() => {
          emit();
          onInput?.();
        }}
        onKeyDown={onEditorKey}
        onPaste={(e) => {
          // Pasted text comes in as text: another page's markup and styles stay out.
          e.preventDefault();
          document.execCommand("insertText", false, e.clipboardData.getData("text/plain"));
        }}
        onFocus={() => document.execCommand("defaultParagraphSeparator", false, "p")}
      />
      {error && (
        <small id={described} className="field-error">
          {error}
        </small>
      )}
    </div>
  );
}
