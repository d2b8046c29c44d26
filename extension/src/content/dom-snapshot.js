// A bounded copy of a page's rendered DOM, as HTML, for the daemon to read (its one extractor,
// daemon/baitwatch/page/, reads saved pages the same way). Only what bears on phishing goes in:
// elements with the attributes that say what a field asks for, where a form sends, what an
// image or link is, and the page's visible text. Never a field's value: no `value` attribute,
// no text of a textarea, a select or an editable region, so nothing a person typed or chose
// leaves the page, and scripts and styles are left out. Nesting deeper than MAX_DEPTH is
// flattened (the daemon's parser stops at 256 levels, and a page could hide a form below it),
// and the copy stops at `maxChars` characters or MAX_ELEMENTS elements.
//
// A hostile page shapes its own DOM, so the copy is written for the parser that reads it, not
// as the page names things: only the tags of WRITTEN keep their names, and every other element
// (a custom element, <svg>, <xmp>, <plaintext>, a <title> in the body) is written as a <div>,
// so no element can make the parser read the rest of the page as text. Elements that render
// other content (svg's foreignObject, an object's fallback) are walked like any other, and a
// same-origin frame's document (srcdoc, about:blank, blob:, which get no page script of their
// own) is copied in place of its <iframe>.
//
// A classic script (content scripts cannot be modules): it defines one global, which the page
// script uses and the unit tests load into a sandbox.

globalThis.baitwatchDomSnapshot = (() => {
  const MAX_DEPTH = 128;
  const MAX_ELEMENTS = 20000;
  const MAX_ATTRIBUTE_CHARS = 500;
  const SKIPPED = new Set(["script", "style", "noscript", "template", "frameset"]);
  const WRITTEN = new Set([
    "html", "head", "body", "meta", "link", "base", "div", "span", "p", "a", "img", "form", "input", "button", "textarea",
    "select", "option", "optgroup", "label", "fieldset", "legend", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li",
    "dl", "dt", "dd", "table", "caption", "thead", "tbody", "tfoot", "tr", "td", "th", "section", "article", "header",
    "footer", "nav", "main", "aside", "figure", "figcaption", "strong", "b", "em", "i", "u", "small", "br", "hr", "center",
    "font", "pre", "code", "blockquote", "picture", "source", "area", "map",
  ]);
  const NO_TEXT = new Set(["textarea", "select", "option"]);
  const VOID = new Set(["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"]);
  const KEPT = new Set([
    "id", "class", "name", "type", "autocomplete", "placeholder", "aria-label", "title", "alt", "src", "href", "rel",
    "action", "method", "property", "content", "lang", "for", "formcontrolname",
  ]);
  const ELEMENT = 1;
  const TEXT = 3;

  const escapeText = (text) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  const escapeAttribute = (text) => escapeText(text).replace(/"/g, "&quot;");

  function openTag(element, tag) {
    let html = `<${tag}`;
    for (const { name, value } of Array.from(element.attributes ?? [])) {
      const lower = name.toLowerCase();
      if (!KEPT.has(lower)) continue;
      if (lower === "content" && tag !== "meta") continue;
      html += ` ${lower}="${escapeAttribute(String(value).slice(0, MAX_ATTRIBUTE_CHARS))}"`;
    }
    return `${html}>`;
  }

  // The open shadow roots of web components hold forms too; where the browser lets an
  // extension see closed ones (chrome.dom, Firefox's openOrClosedShadowRoot), those as well.
  function shadowOf(element) {
    try {
      return globalThis.chrome?.dom?.openOrClosedShadowRoot?.(element) ?? element.openOrClosedShadowRoot ?? element.shadowRoot ?? null;
    } catch {
      return null;
    }
  }

  // A frame's document where this script may read it (same origin): its head and body, as the
  // frame's children; a cross-origin frame has a page script of its own.
  function framedDocument(frame) {
    try {
      const inner = frame.contentDocument?.documentElement;
      return inner ? Array.from(inner.childNodes ?? []) : [];
    } catch {
      return [];
    }
  }

  return function snapshot(document, { maxChars = 400000 } = {}) {
    const parts = [];
    let chars = 0;
    let elements = 0;
    let truncated = false;
    const emit = (text) => {
      parts.push(text);
      chars += text.length;
    };
    // Depth-first, by hand: a page's nesting must not overflow the script's stack.
    const stack = [{ node: document.documentElement, depth: 0, quiet: false }];
    while (stack.length) {
      const item = stack.pop();
      if (chars >= maxChars || elements >= MAX_ELEMENTS) {
        truncated = true;
        break;
      }
      if (item.close) {
        emit(item.close);
        continue;
      }
      const { node, depth, quiet } = item;
      if (!node) continue;
      if (node.nodeType === TEXT) {
        if (!quiet && node.nodeValue && node.nodeValue.trim()) emit(escapeText(node.nodeValue.slice(0, maxChars - chars)));
        continue;
      }
      if (node.nodeType !== ELEMENT) continue;
      const name = String(node.localName ?? node.tagName ?? "").toLowerCase();
      if (SKIPPED.has(name)) continue;
      // The title only in the head, where the parser reads it as the title; anywhere else it would swallow the page.
      const framed = name === "iframe" || name === "frame";
      const tag = WRITTEN.has(name) || (name === "title" && item.inHead) ? name : "div";
      elements += 1;
      if (framed) emit("<iframe></iframe>"); // the parser reads an iframe's content as text: the frame's document follows in a <div>
      const shown = depth < MAX_DEPTH || VOID.has(tag) || tag === "form";
      if (shown) emit(openTag(node, tag));
      if (VOID.has(tag)) continue;
      const silent = quiet || NO_TEXT.has(tag) || node.isContentEditable === true;
      if (shown) stack.push({ close: `</${tag}>` });
      const children = framed ? framedDocument(node) : [...Array.from(node.childNodes ?? [])];
      const shadow = shadowOf(node);
      if (shadow) children.push(...Array.from(shadow.childNodes ?? []));
      const inHead = item.inHead || tag === "head";
      for (let i = children.length - 1; i >= 0; i -= 1) stack.push({ node: children[i], depth: depth + (shown ? 1 : 0), quiet: silent, inHead });
    }
    return { html: parts.join(""), truncated };
  };
})();
