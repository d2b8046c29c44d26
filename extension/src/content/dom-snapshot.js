// A bounded copy of a page's rendered DOM, as HTML, for the daemon to read (its one extractor,
// daemon/baitwatch/page/, reads saved pages the same way). Only what bears on phishing goes in:
// elements with the attributes that say what a field asks for, where a form sends, what an
// image or link is, and the page's visible text. Never a field's value: no `value` attribute,
// no text of a textarea, a select or an editable region, so nothing a person typed or chose
// leaves the page, and scripts and styles are left out. Nesting deeper than MAX_DEPTH is
// flattened (the daemon's parser stops at 256 levels, and a page could hide a form below it),
// and the copy stops at `maxChars` characters or MAX_ELEMENTS elements.
//
// A classic script (content scripts cannot be modules): it defines one global, which the page
// script uses and the unit tests load into a sandbox.

globalThis.baitwatchDomSnapshot = (() => {
  const MAX_DEPTH = 128;
  const MAX_ELEMENTS = 20000;
  const MAX_ATTRIBUTE_CHARS = 500;
  const SKIPPED = new Set(["script", "style", "noscript", "template", "svg", "math", "iframe", "object", "embed", "canvas", "video", "audio"]);
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
      const tag = String(node.localName ?? node.tagName ?? "").toLowerCase();
      if (!/^[a-z][a-z0-9-]*$/.test(tag) || SKIPPED.has(tag)) continue;
      elements += 1;
      const shown = depth < MAX_DEPTH || VOID.has(tag) || tag === "form";
      if (shown) emit(openTag(node, tag));
      if (VOID.has(tag)) continue;
      const silent = quiet || NO_TEXT.has(tag) || node.isContentEditable === true;
      if (shown) stack.push({ close: `</${tag}>` });
      const children = [...Array.from(node.childNodes ?? [])];
      const shadow = shadowOf(node);
      if (shadow) children.push(...Array.from(shadow.childNodes ?? []));
      for (let i = children.length - 1; i >= 0; i -= 1) stack.push({ node: children[i], depth: depth + (shown ? 1 : 0), quiet: silent });
    }
    return { html: parts.join(""), truncated };
  };
})();
