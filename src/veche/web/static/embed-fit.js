/* veche: the embed fits the publisher's article (loaded by embed.js, i.e. veche.js, beside it).
 *
 * - Its theme: data-theme="dark" or "light" on the script tag, else the reader's
 *   prefers-color-scheme (veche.css); the site's own values from /sites/NAME/theme.css.
 * - Permalinks point at the article: a comment's link is this page's URL with
 *   #veche-comment-ID, and opening the page so scrolls to the comment, loading the block of
 *   the thread that shows it when it is not on screen, then highlights and focuses it.
 * - Quotes of the article: data-article-selector names the article's element; a selection
 *   in it offers Quote as on veche's own pages, and its text goes to veche with the story's
 *   first opening, so a quote of it is checked (and an exact one verified) against it.
 *
 * It registers on its own script element (no global): veche.js calls `vecheFit(options)`,
 * handing it its `t()` so that what this file says is in the reader's language too (the
 * discussion's catalog; web/i18n.py reads this file's t() strings as it reads veche.js's).
 */
(() => {
  "use strict";

  const ARTICLE_MAX = 50000;  // characters sent at most (veche takes up to 100,000)
  const HASH = /^#veche-comment-(\d+)$/;
  const HIGHLIGHT_MS = 4000;
  let t = (msgid) => msgid;  // veche.js's, from the options

  // The same as domain/article.py's `normalise`, so both sides agree on one digest.
  function normalise(text) {
    return text
      .replace(/\r\n?/g, "\n")
      .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, "")
      .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(^|[^\ud800-\udbff])[\udc00-\udfff]/g, "$1")
      .split("\n").map((line) => line.replace(/[ \t\u00a0]+$/, "")).join("\n")
      .replace(/\n{3,}/g, "\n\n")
      .trim();
  }

  // FNV-1a over the UTF-8 text, as domain/article.py's `digest`.
  function digest(text) {
    if (!text) return "";
    let h = 0x811c9dc5;
    for (const byte of new TextEncoder().encode(text)) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
    return h.toString(16).padStart(8, "0");
  }

  class Fit {
    constructor({ discussion, script, host, shadow, translate }) {
      if (translate) t = translate;
      this.d = discussion;
      this.host = host;
      this.shadow = shadow;
      this.base = discussion.base;
      this.selector = script.dataset.articleSelector || null;
      this.themed = false;
      this.checked = false;
      const theme = script.dataset.theme;
      if (theme === "dark" || theme === "light") host.dataset.theme = theme;
      // Every piece of the discussion that arrives (a page, more replies, a live comment, a
      // card after an edit) gets its comment links pointed at this page.
      this.observer = new MutationObserver((records) => this.arrived(records));
      this.observer.observe(shadow, { childList: true, subtree: true, attributes: true, attributeFilter: ["data-ready"] });
      this.arrived([]);
      shadow.addEventListener("click", (e) => this.onClick(e));
      window.addEventListener("hashchange", () => this.reveal());
    }

    // -- the article ---------------------------------------------------------------------
    article() {
      if (!this.selector) return null;
      try { return document.querySelector(this.selector); } catch (e) { return null; }
    }

    articleText() {
      const el = this.article();
      if (!el) return null;
      const text = normalise(normalise(el.innerText || "").slice(0, ARTICLE_MAX));
      return text || null;
    }

    // A selection inside the article (never one inside the embed, which the document's
    // selection shows as its host): veche.js offers Quote on it as on its own pages.
    selection() {
      const el = this.article();
      const sel = document.getSelection();
      if (!el || !sel || sel.isCollapsed || !sel.rangeCount) return null;
      const range = sel.getRangeAt(0);
      if (range.intersectsNode(this.host)) return null;
      const node = range.commonAncestorContainer;
      if (!el.contains(node.nodeType === 1 ? node : node.parentNode)) return null;
      const text = sel.toString().trim();
      if (!text) return null;
      el.setAttribute("data-quotable-article", "");  // what veche.js quotes as the story
      return { source: el, text, range };
    }

    // The story has no text of the article yet (or, with a signed title, another one):
    // send this page's with an opening, by the rule titles follow (service/stories.py).
    async sendArticle(root) {
      const known = root.dataset.article;
      if (known === undefined || known === "hosted") return;
      const text = this.articleText();
      if (!text || known === digest(text) || (known && !this.d.titleSignature)) return;
      try { await this.d.request("POST", "/api/v1/threads", this.d.opening()); } catch (e) { /* quotes wait */ }
    }

    // -- links and permalinks ----------------------------------------------------------------
    pageUrl() {
      return window.location.href.split("#")[0];
    }

    arrived(records) {
      const root = this.d.root;
      if (!root) return;
      if (!this.themed && root.dataset.site) {
        // The site's own theme, after veche.css so that its values win.
        const link = document.createElement("link");
        link.rel = "stylesheet";
        link.href = this.base + "/sites/" + encodeURIComponent(root.dataset.site) + "/theme.css";
        const css = this.shadow.querySelector("link[rel=stylesheet]");
        if (css) css.after(link); else this.shadow.prepend(link);
        this.themed = true;
      }
      const scopes = records.length ? records.flatMap((r) => Array.from(r.addedNodes)) : [this.shadow];
      for (const scope of scopes) {
        if (scope.nodeType !== 1 && scope.nodeType !== 11) continue;
        if (scope.matches && scope.matches("a[href]")) this.point(scope);
        for (const a of scope.querySelectorAll("a[href]")) this.point(a);
      }
      if (root.dataset.ready === "yes" && !this.checked) {
        this.checked = true;
        this.sendArticle(root);
        this.reveal();
      }
    }

    // A link to a comment's permalink page, or to the story, leads to this page instead.
    point(a) {
      const href = a.getAttribute("href");
      if (!href || !href.startsWith(this.base + "/stories/")) return;
      const path = href.slice(this.base.length);
      const comment = /^\/stories\/\d+\/comments\/(\d+)(#c\d+)?$/.exec(path);
      if (comment) {
        a.href = this.pageUrl() + "#veche-comment-" + comment[1];
        a.removeAttribute("target");
      } else if (/^\/stories\/\d+#article$/.test(path)) {
        a.href = this.pageUrl();
      }
    }

    onClick(e) {
      const link = e.target.closest ? e.target.closest("a[href]") : null;
      if (!link) return;
      if (link.closest(".partial")) {  // "All comments": the whole discussion, here
        e.preventDefault();
        this.d.load();
      }
    }

    // -- #veche-comment-ID -------------------------------------------------------------------
    async reveal() {
      const found = HASH.exec(window.location.hash);
      if (!found || !this.d.root || this.d.root.dataset.ready !== "yes") return;
      const id = found[1];
      let li = this.d.byId(id);
      if (!li) {
        try {
          await this.d.load(null, null, id);
        } catch (e) {
          this.d.say(t("The linked comment is not in this discussion."));
          return;
        }
        li = this.d.byId(id);
      }
      if (!li) return;
      li.setAttribute("tabindex", "-1");
      li.classList.add("veche-target");
      li.scrollIntoView({ block: "center" });
      li.focus({ preventScroll: true });  // a screen reader reads the comment from here
      clearTimeout(this.highlight);
      this.highlight = setTimeout(() => li.classList.remove("veche-target"), HIGHLIGHT_MS);
    }
  }

  const me = document.currentScript;
  if (me) me.vecheFit = (options) => new Fit(options);
})();
