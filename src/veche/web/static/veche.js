/* veche: progressive behaviour for the discussion.
 *
 * One file serves two modes. On a page veche hosts, it takes over the server-rendered
 * discussion and talks to the API with the session cookie and the page's CSRF token.
 * Loaded by a publisher's page as embed.js (with data-story-url), it renders the same
 * server-made HTML into a Shadow DOM in that page and talks to the API cross-origin with
 * a bearer token. Tokens and drafts live in the publisher page's own localStorage: a
 * third-party iframe gets neither cookies nor storage in today's browsers.
 */
(() => {
  "use strict";

  const script = document.currentScript;
  const PREFIX = "veche:";
  const storage = {
    get(key) {
      try { return JSON.parse(window.localStorage.getItem(PREFIX + key)); } catch (e) { return null; }
    },
    set(key, value) {
      try { window.localStorage.setItem(PREFIX + key, JSON.stringify(value)); return true; } catch (e) { return false; }
    },
    del(key) {
      try { window.localStorage.removeItem(PREFIX + key); } catch (e) { /* storage blocked */ }
    },
  };

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // The reader's language: the strings of the catalog the server put in the discussion
  // (web/i18n.py), English (the msgids) until one is there. Whole sentences with named
  // %(holes)s, never glued from pieces; plural forms picked by the CLDR category.
  let catalog = { lang: "en", messages: {}, plurals: {} };
  function useCatalog(root) {
    const node = root && root.querySelector("template[data-veche-catalog]");
    if (!node) return;
    try { catalog = JSON.parse(node.content.textContent); } catch (e) { /* keep the one we have */ }
  }
  function escapeHtml(text) {
    return text.replace(/[&<>"']/g, (c) => "&#" + c.charCodeAt(0) + ";");
  }
  function fill(text, vars) {
    return text.replace(/%\((\w+)\)s/g, (m, k) => (vars && k in vars ? String(vars[k]) : m));
  }
  function t(msgid, vars) { return fill(catalog.messages[msgid] || msgid, vars); }
  function tn(singular, plural, n, vars) {
    const forms = catalog.plurals[singular];
    let text = n === 1 ? singular : plural;
    if (forms) {
      let category = "other";
      try { category = new Intl.PluralRules(catalog.lang).select(n); } catch (e) { /* no Intl */ }
      text = forms[category] || forms.other || text;
    }
    return fill(text, Object.assign({ num: n }, vars));
  }

  // Times the server wrote in UTC (a page shared by every reader): redrawn in the reader's
  // zone (their account's, from the overlay, else the browser's) in the server's own style,
  // "4 December 2026 17:45", with month names from the catalog (a browser may lack the
  // locale's data), and "5 min. ago" while recent.
  const RECENT_MS = 24 * 3600 * 1000;
  let readerZone = null;
  function exactTime(when) {
    const parts = {};
    try {
      const format = new Intl.DateTimeFormat("en-US", {
        timeZone: readerZone || undefined, year: "numeric", month: "numeric", day: "numeric",
        hour: "2-digit", minute: "2-digit", hourCycle: "h23",
      });
      for (const p of format.formatToParts(when)) parts[p.type] = p.value;
    } catch (e) { return null; }
    const month = (catalog.months || [])[Number(parts.month) - 1] || parts.month;
    return parts.day + " " + month + " " + parts.year + " " + parts.hour + ":" + parts.minute;
  }
  function localTimes(root) {
    if (!root || !window.Intl) return;
    const now = Date.now();
    for (const el of root.querySelectorAll("time[data-zone=utc]")) {
      const when = new Date(el.getAttribute("datetime"));
      const exact = isNaN(when) ? null : exactTime(when);
      if (!exact) continue;
      el.title = exact;
      const minutes = Math.round(Math.abs(when.getTime() - now) / 60000);
      if (minutes * 60000 >= RECENT_MS) el.textContent = exact;
      else if (minutes < 1) el.textContent = t("just now");
      else if (minutes < 60) el.textContent = tn("%(num)s min. ago", "%(num)s min. ago", minutes);
      else el.textContent = tn("%(num)s hr. ago", "%(num)s hr. ago", Math.round(minutes / 60));
    }
  }

  class NetworkError extends Error {}
  class ApiError extends Error {
    constructor(status, message, code, field) {
      super(message); this.status = status; this.code = code || null; this.field = field || null;
    }
  }

  class Discussion {
    constructor(container, opts) {
      this.container = container;   // element or shadow root holding the discussion
      this.mode = opts.mode;        // "hosted" | "embed"
      this.base = opts.base;        // "" when hosted, veche's origin when embedded
      this.storyUrl = opts.storyUrl || null;
      this.storyTitle = opts.storyTitle || null;
      this.titleSignature = opts.titleSignature || null;
      this.ssoToken = opts.ssoToken || null;        // data-sso-token: exchanged once
      this.ssoCallback = opts.ssoCallback || null;  // async () => token | null
      this.retryTimers = new Map();
      this.bell = new Bell(this);
      container.addEventListener("submit", (e) => this.onSubmit(e));
      container.addEventListener("click", (e) => this.onClick(e));
      container.addEventListener("click", (e) => oidcPopup(this, e));
      container.addEventListener("input", (e) => this.onInput(e));
      document.addEventListener("selectionchange", () => this.onSelection());
      window.addEventListener("online", () => this.retryAll());
    }

    get root() {
      const root = this.container.querySelector("[data-veche-discussion]");
      if (root && root !== this.catalogOf) {
        this.catalogOf = root;
        useCatalog(root);
        const me = root.querySelector(".me[data-zone]");
        if (me && me.dataset.zone) readerZone = me.dataset.zone;
        localTimes(root);
      }
      return root;
    }
    get storyId() { return this.root ? this.root.dataset.storyId : null; }
    // The Featured tab lists the editors' picks, not the thread: nothing new is placed in it.
    get featuredTab() { return Boolean(this.root && this.root.dataset.tab === "featured"); }
    get tokenKey() { return "token:" + this.base; }
    get token() { return this.mode === "embed" ? storage.get(this.tokenKey) : null; }

    // -- talking to the server ---------------------------------------------------------
    headers(json) {
      const h = {};
      if (json) h["Content-Type"] = "application/json";
      if (this.mode === "embed") {
        if (this.token) h.Authorization = "Bearer " + this.token;
      } else if (this.root) {
        h["X-CSRF-Token"] = this.root.dataset.csrf;
      }
      return h;
    }

    async request(method, path, body, cache) {
      const sentToken = Boolean(this.mode === "embed" && this.token);
      let response;
      try {
        response = await fetch(this.base + path, {
          method,
          headers: this.headers(body !== undefined),
          body: body === undefined ? undefined : JSON.stringify(body),
          credentials: this.mode === "embed" ? "omit" : "same-origin",
          cache: cache || "default",
        });
      } catch (e) {
        throw new NetworkError(t("No connection to the discussion server."));
      }
      const text = await response.text();
      if (response.status === 401 && this.mode === "embed" && sentToken && !path.startsWith("/api/v1/auth/")) {
        this.sessionEnded();  // revoked or expired: the sign-in form comes back in place
      }
      if (!response.ok) {
        let message = t("Something went wrong (%(status)s).", { status: response.status });
        let code = null;
        let field = null;
        try {
          const error = JSON.parse(text).error;
          message = error.message || message;
          code = error.code || null;
          field = error.field || null;
        } catch (e) { /* not JSON: a proxy's page */ }
        throw new ApiError(response.status, message, code, field);
      }
      return text;
    }

    async fragment(path, cache) {
      const text = await this.request("GET", path, undefined, cache);
      const tpl = document.createElement("template");
      tpl.innerHTML = text;  // server-rendered, already sanitised HTML
      return tpl.content;
    }

    opening() {
      const body = { url: this.storyUrl, title: this.storyTitle };
      if (this.titleSignature) body.title_signature = this.titleSignature;  // the publisher's word
      const article = this.fit && this.fit.articleText();  // embed-fit.js: for quotes of it
      if (article) body.article_text = article;
      return body;
    }

    async load(sort, tab, focus) {
      const q = new URLSearchParams({ url: this.storyUrl });
      if (sort) q.set("sort", sort);
      if (tab && tab !== "all") q.set("tab", tab);
      if (focus) q.set("comment", focus);  // the block of the thread that shows it
      // Switching tab or order keeps the live stream's place, so the body must be no older
      // than it: revalidate (a 304 costs the server nothing) instead of the browser's copy.
      const cache = this.root ? "no-cache" : undefined;
      let content;
      let opened = false;
      try {
        content = await this.fragment("/fragments/thread?" + q.toString(), cache);
      } catch (e) {
        // Reads never create: the page's first load asks for its discussion with a POST
        // (the server checks this page's origin; the title stays provisional unless signed).
        if (!(e instanceof ApiError) || e.status !== 404 || focus) throw e;
        if (this.fitted) await this.fitted;  // the article's text goes with the first opening
        await this.request("POST", "/api/v1/threads", this.opening());
        content = await this.fragment("/fragments/thread?" + q.toString());
        opened = true;
      }
      const found = content.querySelector("[data-veche-discussion]");
      if (!opened && this.titleSignature && found
          && (found.dataset.titleConfirmed !== "yes" || found.dataset.storyTitle !== this.storyTitle)) {
        // The publisher signed this page's title and the story still has another: confirm it.
        this.request("POST", "/api/v1/threads", this.opening()).catch(() => {});
      }
      const old = this.root;
      if (old) old.replaceWith(content); else this.container.appendChild(content);
      await this.applyOverlay(true);
      this.root.dataset.ready = "yes";
      this.startLive();
      // Signed in or out since the stream opened: it reconnects now as who we are.
      if (this.live && this.live.ctrl && this.live.token !== this.token) this.restartLive();
    }

    // -- the per-viewer overlay -------------------------------------------------------------
    // Thread HTML is shared by every reader (and cached); who I am, my tokens, my Edit /
    // Delete / Remove controls and my held comments come from /fragments/overlay.
    onScreen(scope) {
      return Array.from((scope || this.root).querySelectorAll("li.comment[data-comment-id]"), (li) => li.dataset.commentId);
    }

    between(scope, name, content) {
      const walker = document.createTreeWalker(scope, NodeFilter.SHOW_COMMENT);
      let start = null;
      while (walker.nextNode()) {
        const node = walker.currentNode;
        if (node.nodeValue === "veche:" + name) start = node;
        else if (start && node.nodeValue === "/veche:" + name) {
          while (start.nextSibling && start.nextSibling !== node) start.nextSibling.remove();
          start.after(content);
          return;
        }
      }
    }

    async applyOverlay(initial, ids) {
      const q = new URLSearchParams({ story: this.storyId, ids: (ids || this.onScreen()).join(",") });
      let content;
      try {
        content = await this.fragment("/fragments/overlay?" + q.toString());
      } catch (e) {
        return;  // the shared page still reads fine; writes will say what went wrong
      }
      const piece = (name) => content.querySelector('template[data-piece="' + name + '"]');
      if (initial) {
        const known = Boolean(piece("me").content.querySelector(".me"));  // before it moves
        this.root.dataset.csrf = piece("csrf").content.textContent.trim();
        if (this.mode === "hosted") this.between(document.body, "nav", piece("nav").content);
        this.between(this.root, "me", piece("me").content);
        this.between(this.root, "slot", piece("slot").content);
        const me = this.root.querySelector(".me[data-zone]");
        if (me && me.dataset.zone) { readerZone = me.dataset.zone; localTimes(this.root); }
        const out = this.root.querySelector(".signout");
        if (out && this.mode === "embed") out.hidden = false;
        if (this.mode === "embed" && this.token && !known) {
          // The server no longer knows this session: it answered as to a signed-out reader,
          // so the sign-in forms are on screen already; forget the token.
          storage.del(this.tokenKey);
          this.noteSessionEnded();
        }
      }
      for (const tpl of Array.from(content.querySelectorAll("template[data-controls]"))) {
        const li = this.byId(tpl.dataset.controls);
        const footer = li && li.querySelector(":scope > .comment-card > footer.actions");
        if (footer && !footer.querySelector(".controls")) footer.appendChild(tpl.content);
      }
      for (const tpl of Array.from(content.querySelectorAll("template[data-pending]"))) {
        const li = tpl.content.querySelector("li.comment");
        if (!li) continue;
        const shown = this.byId(li.dataset.commentId);
        if (shown) {  // a decision changed it: its card as this viewer sees it (the reason)
          shown.querySelector(":scope > .comment-card").replaceWith(li.querySelector(":scope > .comment-card"));
          shown.className = li.className;
          continue;
        }
        if (this.featuredTab) continue;  // held comments belong in the thread
        const parent = tpl.dataset.pending && this.byId(tpl.dataset.pending);
        if (parent) this.repliesOf(parent).appendChild(li);
        else if (!tpl.dataset.pending) this.root.querySelector("ol.comments").prepend(li);
      }
      // Reporting one's own comment makes no sense: the control goes.
      const me = this.root.querySelector(".me .handle");
      if (me) {
        for (const handle of this.root.querySelectorAll(".comment-card > .byline .handle")) {
          const report = handle.textContent === me.textContent &&
            handle.closest(".comment-card").querySelector("[data-action=report]");
          if (report) report.remove();
        }
      }
      this.markReactions(content.querySelector("template[data-reacted]"), me);
      if (initial) this.restoreDrafts();
      if (initial) this.bell.attach();
    }

    // -- drafts ---------------------------------------------------------------------------
    draftKey(form) {
      return "draft:" + this.base + "|" + this.storyId + "|" + (form.elements.parent_id.value || "top");
    }

    saveDraft(form) {
      const el = form.elements;
      storage.set(this.draftKey(form), {
        body: el.body.value,
        key: el.idempotency_key.value,
        parent: el.parent_id.value,
        quote: el.quote_source.value ? {
          source: el.quote_source.value, comment_id: el.quote_comment_id.value,
          text: el.quote_text.value, label: form.querySelector(".quote-preview header").textContent,
        } : null,
        guest: el.guest_name ? el.guest_name.value : "",
      });
    }

    applyDraft(form, draft) {
      const el = form.elements;
      el.body.value = draft.body || "";
      if (draft.key) el.idempotency_key.value = draft.key;
      if (draft.quote) this.setQuote(form, draft.quote);
      if (el.guest_name && draft.guest) el.guest_name.value = draft.guest;
    }

    restoreDrafts() {
      const top = this.root && this.root.querySelector(".discussion-head ~ .comment-form");
      if (top) {
        const draft = storage.get(this.draftKey(top));
        if (draft) { this.applyDraft(top, draft); top.dataset.restored = "1"; }
      }
      if (!this.root) return;
      const prefix = "draft:" + this.base + "|" + this.storyId + "|";
      let keys = [];
      try { keys = Object.keys(window.localStorage); } catch (e) { return; }
      for (const k of keys) {
        if (!k.startsWith(PREFIX + prefix) || k.endsWith("|top")) continue;
        const parent = k.slice((PREFIX + prefix).length);
        const li = this.byId(parent);
        if (!li) continue;
        const form = this.openReply(li);
        if (form) {
          this.applyDraft(form, storage.get(k.slice(PREFIX.length)) || {});
          form.dataset.restored = "1";
        }
      }
    }

    // -- events ---------------------------------------------------------------------------
    onInput(e) {
      const form = e.target.closest && e.target.closest("form.comment-form");
      if (form && !form.dataset.started) form.dataset.started = String(Date.now());
      if (form) this.saveDraft(form);
    }

    onSubmit(e) {
      const form = e.target;
      if (form.matches("form.react")) { e.preventDefault(); this.submitReaction(form); }
      else if (form.matches("form.comment-form")) { e.preventDefault(); this.submitComment(form); }
      else if (form.matches("form.edit-form")) { e.preventDefault(); this.submitEdit(form); }
      else if (form.matches("form[data-action=delete]")) {
        e.preventDefault(); this.submitDelete(form);
      } else if (form.dataset.api) { e.preventDefault(); this.submitApi(form, e.submitter); } else if (form.matches("form.auth-form") && this.mode === "embed") {
        e.preventDefault(); this.submitAuth(form);
      }
    }

    onClick(e) {
      const t = e.target.closest ? e.target.closest("a, button") : null;
      if (!t) return;
      const li = t.closest("li.comment");
      const action = t.dataset.action;
      // No comment form here (signed out on a sign-in-only site): the link shows the gate.
      if (action === "reply" && li) { if (this.openReply(li, true)) e.preventDefault(); }
      else if (action === "quote" && li) { if (this.quoteComment(li, this.selectedIn(li))) e.preventDefault(); }
      else if (action === "edit" && li) { e.preventDefault(); this.openEdit(li); }
      else if (action === "report" && li) { e.preventDefault(); this.openReport(li, t); }
      else if (t.classList.contains("load-more")) { e.preventDefault(); this.loadMore(t); }
      else if (t.classList.contains("load-replies")) { e.preventDefault(); this.loadReplies(t); }
      else if (t.classList.contains("quote-selection")) { e.preventDefault(); this.quoteSelection(); }
      else if (t.classList.contains("quote-clear")) { e.preventDefault(); this.clearQuote(t.closest("form")); }
      else if (t.classList.contains("cancel") && t.closest("form.comment-form, form.edit-form")) {
        e.preventDefault(); this.cancelForm(t.closest("form"));
      } else if (t.classList.contains("gate-signin") && this.mode === "embed") {
        e.preventDefault(); this.focusSignIn();
      } else if (t.classList.contains("signout") && this.mode === "embed") {
        e.preventDefault(); this.signOut();
      } else if (t.dataset.sort && this.mode === "embed") { e.preventDefault(); this.load(t.dataset.sort); }
      else if (t.dataset.tab && this.mode === "embed") { e.preventDefault(); this.load(null, t.dataset.tab); }
    }

    byId(id) { return this.root.querySelector("#c" + CSS.escape(String(id))); }

    // -- replies, quotes --------------------------------------------------------------------
    openReply(li, focus) {
      const card = li.querySelector(":scope > .comment-card");
      let form = card.querySelector(":scope > form.comment-form");
      if (!form) {
        const top = this.root.querySelector("form.comment-form");
        if (!top) return null;  // signed out on a sign-in-only site: the gate is shown
        form = top.cloneNode(true);
        form.reset();
        form.elements.body.value = "";
        form.elements.parent_id.value = li.dataset.commentId;
        form.elements.idempotency_key.value = newKey();
        this.clearQuote(form, true);
        form.querySelector(".form-error").hidden = true;
        form.querySelector("textarea").placeholder = "Write a reply…";
        form.querySelector("button[type=submit]").textContent = "Reply";
        const cancel = document.createElement("button");
        cancel.type = "button"; cancel.className = "link cancel"; cancel.textContent = t("Cancel");
        form.appendChild(cancel);
        card.appendChild(form);
      }
      if (focus) form.querySelector("textarea").focus();
      return form;
    }

    setQuote(form, quote) {
      const el = form.elements;
      el.quote_source.value = quote.source;
      el.quote_comment_id.value = quote.comment_id || "";
      el.quote_text.value = quote.text;
      const box = form.querySelector(".quote-preview");
      box.querySelector("header").textContent = quote.label;
      box.querySelector("p").textContent = quote.text;
      box.hidden = false;
    }

    clearQuote(form, quiet) {
      const el = form.elements;
      el.quote_source.value = ""; el.quote_comment_id.value = ""; el.quote_text.value = "";
      form.querySelector(".quote-preview").hidden = true;
      if (!quiet) this.saveDraft(form);
    }

    quoteComment(li, text) {
      const body = li.querySelector(":scope > .comment-card > .body");
      if (!body) return false;
      const form = this.openReply(li, true);
      if (!form) return false;
      this.setQuote(form, {
        source: "comment", comment_id: li.dataset.commentId,
        text: (text || body.innerText).trim(), label: t("Quote: %(author)s", { author: body.dataset.author }),
      });
      this.saveDraft(form);
      this.say(t("Quote of %(author)s added to your reply.", { author: body.dataset.author }));
      return true;
    }

    // The text selected inside this comment's own body, if any: the comment's Quote control
    // quotes it, so a selection made with the keyboard needs no pointer to be quoted.
    selectedIn(li) {
      const found = this.selection();
      const body = li.querySelector(":scope > .comment-card > .body");
      return found && body && found.source === body ? found.text : null;
    }

    selection() {
      const inArticle = this.fit && this.fit.selection();  // the publisher's article, embedded
      if (inArticle) return inArticle;
      const sel = this.container.getSelection ? this.container.getSelection() : document.getSelection();
      if (!sel || sel.isCollapsed || !sel.rangeCount) return null;
      const range = sel.getRangeAt(0);
      const node = range.commonAncestorContainer;
      const el = node.nodeType === 1 ? node : node.parentElement;
      if (!el || !this.container.contains(el) && !(el.closest && el.closest("[data-quotable-article]"))) return null;
      const source = el.closest("[data-quotable], [data-quotable-article]");
      const text = sel.toString().trim();
      return source && text ? { source, text, range } : null;
    }

    onSelection() {
      const button = this.root && this.root.querySelector(".quote-selection");
      if (!button) return;
      const found = this.selection();
      if (!found || !this.root.querySelector("form.comment-form")) {
        button.hidden = true;
        this.placeQuoteButton(button, null);  // back where no comment's removal takes it along
        return;
      }
      this.pending = found;
      this.placeQuoteButton(button, found.source);
      const rect = found.range.getBoundingClientRect();
      button.style.top = Math.round(rect.bottom + 6) + "px";
      button.style.left = Math.round(rect.left) + "px";
      button.hidden = false;
    }

    // Next in the tab order after what is selected, so a keyboard reaches it too: under the
    // comment's card (which an edit replaces; its item stays), or first in the discussion,
    // right after the article.
    placeQuoteButton(button, source) {
      const card = source && this.root.contains(source) && source.closest(".comment-card");
      if (card && card.nextElementSibling !== button) card.after(button);
      else if (!card && this.root.firstElementChild !== button) this.root.prepend(button);
    }

    quoteSelection() {
      const found = this.pending;
      this.root.querySelector(".quote-selection").hidden = true;
      if (!found) return;
      if (found.source.hasAttribute("data-quotable-article")) {
        const form = this.root.querySelector(".discussion-head ~ form.comment-form");
        if (!form) return;
        this.setQuote(form, { source: "story", comment_id: "", text: found.text, label: this.root.dataset.storyTitle });
        this.saveDraft(form);
        this.say(t("Quote of the article added to your comment."));
        form.querySelector("textarea").focus();
      } else {
        this.quoteComment(found.source.closest("li.comment"), found.text);
      }
    }

    cancelForm(form) {
      if (form.matches("form.comment-form")) storage.del(this.draftKey(form));
      if (form.matches("form.edit-form")) {
        form.previousElementSibling && (form.previousElementSibling.hidden = false);
      }
      form.remove();
    }

    // -- writes ---------------------------------------------------------------------------
    status(form, text, isError) {
      const err = form.querySelector(".form-error");
      const stat = form.querySelector(".form-status");
      if (err) { err.textContent = isError ? text : ""; err.hidden = !isError; }
      if (stat) stat.textContent = isError ? "" : text;
      if (!isError) this.say(text);
    }

    payload(form) {
      const el = form.elements;
      const data = { body: el.body.value, idempotency_key: el.idempotency_key.value };
      if (el.parent_id.value) data.parent_id = Number(el.parent_id.value);
      if (el.quote_source.value) {
        data.quote = { source: el.quote_source.value, text: el.quote_text.value };
        if (el.quote_comment_id.value) data.quote.comment_id = Number(el.quote_comment_id.value);
      }
      if (el.guest_name && el.guest_name.value.trim()) data.guest_name = el.guest_name.value;
      // How long it took to write, for the site's bot check on first comments; a draft
      // brought back from this device was written before, so it says nothing.
      if (form.dataset.started && !form.dataset.restored) {
        data.typing_seconds = Math.min(86400, (Date.now() - Number(form.dataset.started)) / 1000);
      }
      return data;
    }

    async submitComment(form, attempt) {
      const button = form.querySelector("button[type=submit]");
      if (button.disabled) return;  // one send at a time per form
      clearTimeout(this.retryTimers.get(form));
      this.saveDraft(form);  // nothing typed is lost, whatever happens next
      button.disabled = true;
      this.status(form, t("Sending…"), false);
      const sent = form.elements.body.value;
      let created;
      try {
        created = JSON.parse(await this.request("POST", "/api/v1/stories/" + this.storyId + "/comments", this.payload(form)));
      } catch (e) {
        button.disabled = false;
        if (e instanceof NetworkError) {
          this.status(form, t("No connection. Your comment is saved on this device and will be sent when you are back online."), false);
          this.scheduleRetry(form, (attempt || 0) + 1);
          return;
        }
        this.stopRetry(form);
        if (e.status === 409 && e.field === "idempotency_key") {
          // That key belongs to an earlier send: a new key makes this text a new comment.
          form.elements.idempotency_key.value = newKey();
          this.saveDraft(form);
        }
        this.status(form, e.message, true);
        return;
      }
      this.stopRetry(form);
      storage.del(this.draftKey(form));
      button.disabled = false;
      if (form.elements.parent_id.value) { form.remove(); this.say(t("Your reply is posted.")); }
      else {
        // Whatever was typed while this one was in flight is the next comment: keep it.
        if (form.elements.body.value === sent) form.elements.body.value = "";
        form.elements.idempotency_key.value = newKey();
        if (form.elements.body.value) this.saveDraft(form);
        this.clearQuote(form, true);
        this.status(form, t("Posted."), false);
      }
      await this.placeComment(created);
    }

    stopRetry(form) {
      clearTimeout(this.retryTimers.get(form));
      this.retryTimers.delete(form);
    }

    scheduleRetry(form, attempt) {
      clearTimeout(this.retryTimers.get(form));
      const delay = Math.min(30000, 2000 * 2 ** Math.min(attempt, 4));
      this.retryTimers.set(form, setTimeout(() => {
        if (form.isConnected) this.submitComment(form, attempt);
      }, delay));
    }

    retryAll() {
      for (const form of Array.from(this.retryTimers.keys())) {
        clearTimeout(this.retryTimers.get(form));
        if (form.isConnected) this.submitComment(form, 1);
      }
    }

    async placeComment(created) {
      const content = this.byId(created.id) ? null
        : await this.fragment("/fragments/comments/" + created.id);
      const fresh = content && content.querySelector("li.comment");
      if (!fresh || this.byId(created.id)) {
        // The live stream placed it first: keep that element (a reply may already be open
        // under it) and only make sure my controls are on it.
        await this.applyOverlay(false, [String(created.id)]);
        return;
      }
      let list;
      if (created.parent_id) {
        const parent = this.byId(created.parent_id);
        const level = (li) => Number((li.className.match(/level-(\d+)/) || [0, 0])[1]);
        if (level(fresh) <= level(parent)) {
          list = parent.parentElement;  // nesting is capped: the server put it beside its parent
        } else {
          list = parent.querySelector(":scope > ol.replies");
          if (!list) { list = document.createElement("ol"); list.className = "replies"; parent.appendChild(list); }
        }
        list.appendChild(fresh);
      } else if (this.featuredTab) {
        // This tab lists the editors' picks: the new comment is in the thread.
        const form = this.root.querySelector(".discussion-head ~ form.comment-form");
        if (form) this.status(form, t("Posted. It is in the thread, under All comments."), false);
        return;
      } else {
        list = this.root.querySelector("ol.comments");
        if (this.root.dataset.sort === "newest" || this.root.dataset.sort === "top") list.prepend(fresh);
        else if (this.root.querySelector(".load-more")) {
          // Older pages are still unloaded: the new comment belongs after them.
          const form = this.root.querySelector(".discussion-head ~ form.comment-form");
          if (form) this.status(form, t("Posted. It is at the end of the discussion; load more to see it."), false);
          return;
        } else list.appendChild(fresh);
        const empty = this.root.querySelector(".empty");
        if (empty) empty.remove();
      }
      const count = this.root.querySelector(".discussion-head .count");
      if (count) count.textContent = String(Number(count.textContent) + 1);
      fresh.scrollIntoView({ block: "nearest" });
    }

    async openEdit(li) {
      const card = li.querySelector(":scope > .comment-card");
      if (card.querySelector(":scope > form.edit-form")) return;
      let data;
      try {
        data = JSON.parse(await this.request("GET", "/api/v1/comments/" + li.dataset.commentId)).comment;
      } catch (e) {
        return;  // the link still works as a plain page
      }
      const body = card.querySelector(":scope > .body");
      const form = document.createElement("form");
      form.className = "edit-form";
      form.dataset.commentId = li.dataset.commentId;
      form.innerHTML = '<textarea name="body" rows="4" required></textarea>' +
        '<p class="form-error" role="alert" hidden></p><p class="form-status"></p>' +
        '<button type="submit"></button> <button type="button" class="link cancel"></button>';
      form.elements.body.setAttribute("aria-label", t("Your comment"));
      form.querySelector("button[type=submit]").textContent = t("Save");
      form.querySelector("button.cancel").textContent = t("Cancel");
      form.elements.body.value = data.body_markdown || "";
      body.hidden = true;
      body.after(form);
      form.elements.body.focus();
    }

    async submitEdit(form) {
      const li = form.closest("li.comment");
      const button = form.querySelector("button[type=submit]");
      if (button.disabled) return;
      button.disabled = true;
      try {
        await this.request("PATCH", "/api/v1/comments/" + li.dataset.commentId, { body: form.elements.body.value });
      } catch (e) {
        button.disabled = false;
        this.status(form, e instanceof NetworkError ? t("No connection; try again when you are back online.") : e.message, true);
        return;
      }
      await this.refresh(li);
      this.say(t("Your edit is saved."));
    }

    async submitDelete(form) {
      const li = form.closest("li.comment");
      const button = form.querySelector("button");
      if (!button.dataset.armed) {
        button.dataset.armed = "1";
        this.relabel(button, form.dataset.action === "remove" ? t("Confirm removal") : t("Confirm delete"));
        return;
      }
      const path = "/api/v1/comments/" + li.dataset.commentId;
      try {
        if (form.dataset.action === "remove") await this.request("POST", path + "/remove", {});
        else await this.request("DELETE", path);
      } catch (e) {
        this.relabel(button, e.message);
        this.say(e.message);
        return;
      }
      await this.refresh(li);
      this.say(form.dataset.action === "remove" ? t("The comment is removed.") : t("The comment is deleted."));
    }

    // New visible text for a control named after its comment ("Delete the comment by
    // Cetron"): its accessible name says both.
    relabel(button, text) {
      if (button.dataset.named === undefined) button.dataset.named = button.getAttribute("aria-label") || "";
      button.textContent = text;
      if (button.dataset.named) button.setAttribute("aria-label", text + ": " + button.dataset.named);
    }

    // The report form, opened under the comment (its fields are fixed text, no user data).
    openReport(li, link) {
      const card = li.querySelector(":scope > .comment-card");
      if (card.querySelector(".report-form")) return;
      const form = document.createElement("form");
      form.className = "report-form";
      form.dataset.api = "/api/v1/comments/" + li.dataset.commentId + "/reports";
      const s = (msgid) => escapeHtml(t(msgid));
      form.innerHTML =
        '<label>' + s("Why") + ' <select name="reason"><option value="abuse">' + s("Abuse or insult") + '</option>' +
        '<option value="spam">' + s("Spam") + '</option><option value="off_topic">' + s("Off-topic") + '</option>' +
        '<option value="misinformation">' + s("Misinformation") + '</option><option value="other">' + s("Other") + '</option>' +
        '</select></label> <label>' + s("Note") + ' <input name="note" maxlength="500"></label> ' +
        '<button type="submit">' + s("Send report") + '</button> <button type="button" class="link cancel">' + s("Cancel") + '</button>' +
        '<p class="form-status" role="status"></p>';
      form.querySelector(".cancel").addEventListener("click", () => form.remove());
      link.closest("footer").after(form);
      form.querySelector("select").focus();
    }

    // -- reactions ("respect") --------------------------------------------------------------
    // The shared body shows every button unpressed; the overlay names the ones that are mine.
    markReactions(tpl, me) {
      const mine = new Set(tpl && tpl.dataset.reacted ? tpl.dataset.reacted.split(",") : []);
      for (const id of mine) this.setReacted(this.byId(id), true);
      if (!me) return;
      for (const handle of this.root.querySelectorAll(".comment-card > .byline .handle")) {
        const button = handle.textContent === me.textContent &&
          handle.closest(".comment-card").querySelector(":scope > footer form.react button");
        if (button) { button.disabled = true; button.title = t("Your own comment"); }
      }
    }

    setReacted(li, on, count) {
      const form = li && li.querySelector(":scope > .comment-card > footer form.react");
      if (!form) return;
      const button = form.querySelector("button");
      if (on !== null) {
        button.setAttribute("aria-pressed", on ? "true" : "false");
        form.elements.on.value = on ? "false" : "true";
      }
      if (count !== undefined) form.querySelector(".count").textContent = String(count);
    }

    async submitReaction(form) {
      const li = form.closest("li.comment");
      const button = form.querySelector("button");
      if (button.disabled || form.dataset.busy) return;
      form.dataset.busy = "1";
      const on = button.getAttribute("aria-pressed") !== "true";
      let state;
      try {
        state = JSON.parse(await this.request(on ? "PUT" : "DELETE", "/api/v1/comments/" + li.dataset.commentId + "/reaction"));
      } catch (e) {
        delete form.dataset.busy;
        let note = form.querySelector(".react-status");
        if (!note) {
          note = Object.assign(document.createElement("span"), { className: "react-status" });
          note.setAttribute("role", "alert");
          form.appendChild(note);
        }
        note.textContent = e instanceof NetworkError ? t("No connection; try again.") : e.message;
        return;
      }
      delete form.dataset.busy;
      const note = form.querySelector(".react-status");
      if (note) note.remove();
      this.setReacted(li, state.reacted, state.count);
    }

    // Moderation and reports: the form's fields as JSON to the API it names.
    async submitApi(form, submitter) {
      const li = form.closest("li.comment");
      const status = form.querySelector(".form-status");
      const body = {};
      for (const [name, value] of new FormData(form)) {
        if (name !== "csrf" && value !== "") body[name] = name === "version" ? Number(value) : value;
      }
      if (submitter && submitter.name) {
        body[submitter.name] = submitter.value === "true" ? true : submitter.value === "false" ? false : submitter.value;
      }
      try {
        await this.request("POST", form.dataset.api, body);
      } catch (e) {
        if (status) status.textContent = e.message; else this.say(e.message);
        return;
      }
      if (form.dataset.api.endsWith("/reports")) {
        const link = li && li.querySelector(":scope > .comment-card [data-action=report]");
        if (link) link.remove();
        form.replaceWith(Object.assign(document.createElement("p"),
          { className: "reported", textContent: t("Reported. Thank you: moderators will look at it.") }));
        return;
      }
      if (li) {
        await this.refresh(li).catch(() => {});
        await this.applyOverlay(false, [li.dataset.commentId]);
        this.say(t("Done."));
      } else {
        await this.applyOverlay(true, []);  // the discussion itself changed (closed, reopened)
      }
    }

    say(text) {
      const region = this.root.querySelector(".live-region");
      if (region) region.textContent = text;
    }

    async refresh(li) {
      // Only the card changes after an edit or a deletion: its replies (and any reply form
      // open among them) stay as they are, and the server reads one comment, not a subtree.
      const content = await this.fragment("/fragments/comments/" + li.dataset.commentId + "/card");
      const card = content.querySelector(".comment-card");
      const pressed = li.querySelector(":scope > .comment-card > footer form.react [aria-pressed=true]");
      li.querySelector(":scope > .comment-card").replaceWith(card);
      if (pressed) this.setReacted(li, true);
      li.className = li.className.replace(/\bstatus-\S+/, "status-" + card.dataset.status);
    }

    async loadMore(link) {
      if (link.dataset.loading) return;
      link.dataset.loading = "1";
      const q = new URLSearchParams({ story: this.storyId, sort: this.root.dataset.sort, after: link.dataset.after });
      const content = await this.fragment("/fragments/thread?" + q.toString());
      const list = this.root.querySelector("ol.comments");
      const added = [];
      for (const li of Array.from(content.children)) {
        if (li.matches("li.comment")) { list.appendChild(li); added.push(...this.onScreen(li), li.dataset.commentId); }
      }
      const more = content.querySelector(".more");
      const current = link.closest(".more");
      if (more) current.replaceWith(more); else current.remove();
      if (added.length) await this.applyOverlay(false, added);
    }

    repliesOf(li) {
      let list = li.querySelector(":scope > ol.replies");
      if (!list) {
        list = document.createElement("ol");
        list.className = "replies";
        li.querySelector(":scope > .comment-card").after(list);
      }
      return list;
    }

    async loadReplies(link) {
      // The rest of a cut subtree: every run of replies names the comment on screen it
      // belongs under (the server read their ancestors to nest and level them as here).
      if (link.dataset.loading) return;
      link.dataset.loading = "1";
      const q = new URLSearchParams({ story: this.storyId, head: link.dataset.head, after: link.dataset.after });
      let content;
      try {
        content = await this.fragment("/fragments/replies?" + q.toString());
      } catch (e) {
        delete link.dataset.loading;
        return;  // the link still works as a plain page
      }
      const added = [];
      for (const run of Array.from(content.querySelectorAll("ol[data-into]"))) {
        const into = this.byId(run.dataset.into);
        if (!into) continue;
        const list = this.repliesOf(into);
        for (const li of Array.from(run.children)) {
          if (this.byId(li.dataset.commentId)) continue;
          list.appendChild(li);
          added.push(li.dataset.commentId, ...this.onScreen(li));
        }
      }
      const more = content.querySelector(".more-replies");
      const current = link.closest(".more-replies");
      if (more) current.replaceWith(more); else current.remove();
      if (added.length) await this.applyOverlay(false, added);
    }

    // -- embed sign-in ----------------------------------------------------------------------
    async submitAuth(form) {
      const el = form.elements;
      const signup = form.dataset.auth === "signup";
      const body = signup
        ? { handle: el.handle.value, password: el.password.value, email: el.email.value || null, display_name: el.display_name.value || null }
        : { login: el.login.value, password: el.password.value };
      try {
        const data = JSON.parse(await this.request("POST", "/api/v1/auth/" + (signup ? "signup" : "signin"), body));
        storage.set(this.tokenKey, data.token);
      } catch (e) {
        this.status(form, e instanceof NetworkError ? t("No connection; try again.") : e.message, true);
        return;
      }
      await this.load();
    }

    // The sign-in form in place: the gate's "sign in" link points at it, not away.
    focusSignIn() {
      const form = this.root && this.root.querySelector("form.auth-form[data-auth=signin]");
      if (!form) return;
      const details = form.closest("details");
      if (details) details.open = true;
      form.elements.login.focus();
    }

    // A session that ended elsewhere (revoked, expired, signed out in another tab): forget
    // it, render the discussion as the server now sees us, and say why the form is back.
    async sessionEnded() {
      if (this.ending) return;
      this.ending = true;
      try {
        storage.del(this.tokenKey);
        await this.load();
        this.noteSessionEnded();
        await this.trySso();
      } finally {
        this.ending = false;
      }
    }

    noteSessionEnded() {
      if (!this.root || this.root.querySelector(".session-ended")) return;
      const p = document.createElement("p");
      p.className = "session-ended";
      p.setAttribute("role", "alert");
      p.textContent = t("Your session has ended; sign in again.");
      const form = this.root.querySelector("form.auth-form");
      const where = form ? (form.closest(".gate, details") || form) : this.root.querySelector(".discussion-head");
      where.before(p);
    }

    // Publisher SSO: a token from data-sso-token (once: tokens are single-use) or from the
    // page's callback, exchanged for a veche session when there is none.
    async trySso() {
      if (this.mode !== "embed" || this.token || !this.root) return false;
      let jwt = null;
      if (this.ssoToken && storage.get("sso-used:" + this.base) !== this.ssoToken.slice(-43)) {
        jwt = this.ssoToken;
      } else if (typeof this.ssoCallback === "function") {
        try { jwt = await this.ssoCallback(); } catch (e) { jwt = null; }
      }
      return jwt ? this.sso(jwt) : false;
    }

    async sso(jwt) {
      storage.set("sso-used:" + this.base, String(jwt).slice(-43));  // its signature
      try {
        const data = JSON.parse(await this.request("POST", "/api/v1/auth/sso", { site: this.root.dataset.site, token: String(jwt) }));
        storage.set(this.tokenKey, data.token);
      } catch (e) {
        const form = this.root.querySelector("form.auth-form");
        if (form) this.status(form, t("Signing in with your account failed: %(reason)s", { reason: e.message }), true);
        return false;
      }
      await this.load();
      return true;
    }

    // -- live updates -----------------------------------------------------------------------
    // One stream per page, read with fetch so the embed can send its bearer token. Every
    // event's id is the story's seq and a reconnect sends the last one seen, so nothing is
    // missed or shown twice. New top-level comments wait behind a button: the page never
    // jumps under the reader. Replies, edits and deletions apply in place.
    startLive() {
      if (this.live || !window.fetch || !window.TextDecoder || !this.root) return;
      this.live = { last: this.root.dataset.version || null, waiting: [], delay: 1000, reset: false };
      this.liveLoop();
    }

    liveState(text) {
      let el = this.root.querySelector(".live-state");
      if (!el) {
        el = document.createElement("p");
        el.className = "live-state";
        el.setAttribute("role", "status");
        this.root.querySelector(".discussion-head").appendChild(el);
      }
      el.textContent = text;
      el.hidden = !text;
    }

    async liveLoop() {
      while (this.live) {
        const ctrl = new AbortController();
        this.live.ctrl = ctrl;
        this.live.token = this.token;
        let watchdog = null;
        // The server sends a heartbeat every 15 s: silence for 45 s is a dead connection.
        const kick = () => { clearTimeout(watchdog); watchdog = setTimeout(() => ctrl.abort(), 45000); };
        const offline = () => ctrl.abort();  // the browser knows before the socket does
        window.addEventListener("offline", offline);
        try {
          const headers = this.headers(false);
          delete headers["X-CSRF-Token"];
          headers.Accept = "text/event-stream";
          if (this.live.last) headers["Last-Event-ID"] = this.live.last;
          this.live.ctrl = ctrl;
          this.live.token = this.token;  // the embed's stream is per reader: see Bell.attach
          kick();
          const r = await fetch(this.base + "/api/v1/stories/" + this.storyId + "/events", {
            headers, cache: "no-store", signal: ctrl.signal,
            credentials: this.mode === "embed" ? "omit" : "same-origin",
          });
          if (!r.ok || !r.body) throw new Error("stream " + r.status);
          this.liveState("");
          this.live.delay = 1000;
          const reader = r.body.getReader();
          const decoder = new TextDecoder();
          let buffer = "";
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            kick();
            buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, "\n");
            let cut;
            while ((cut = buffer.indexOf("\n\n")) >= 0) {
              this.onFrame(buffer.slice(0, cut));
              buffer = buffer.slice(cut + 2);
            }
          }
        } catch (e) { /* dropped or offline: reconnect below */ }
        clearTimeout(watchdog);
        window.removeEventListener("offline", offline);
        if (!this.live) return;
        const now = this.live.now;
        this.live.now = false;
        if (!now) this.liveState("reconnecting…");
        await new Promise((resume) => {
          const again = () => { clearTimeout(timer); window.removeEventListener("online", again); resume(); };
          const timer = setTimeout(again, now ? 0 : navigator.onLine === false ? 3600000 : this.live.delay * (0.5 + Math.random()));
          window.addEventListener("online", again);
        });
        this.live.delay = Math.min(this.live.delay * 2, 30000);
      }
    }

    restartLive() {
      this.live.now = true;
      this.live.ctrl.abort();
    }

    onFrame(frame) {
      let id = null, kind = "message", data = "";
      for (const line of frame.split("\n")) {
        if (line.startsWith(":")) continue;  // a heartbeat
        const at = line.indexOf(":");
        const name = at < 0 ? line : line.slice(0, at);
        let value = at < 0 ? "" : line.slice(at + 1);
        if (value.startsWith(" ")) value = value.slice(1);
        if (name === "id") id = value;
        else if (name === "event") kind = value;
        else if (name === "data") data += (data ? "\n" : "") + value;
      }
      if (id !== null) this.live.last = id;
      if (kind === "reset") { this.live.reset = true; this.showWaiting(); return; }
      if (kind === "session.ended") {
        if (this.mode === "embed") this.sessionEnded(); else window.location.reload();
        return;
      }
      let ev;
      try { ev = JSON.parse(data); } catch (e) { return; }
      if (!ev) return;
      if (kind === "notification") { this.bell.set(ev.unread); return; }
      if (kind === "hello") this.bell.resync();
      if (kind === "presence") this.setPresence((h) => h === ev.handle, Boolean(ev.online));
      else if (kind === "hello" && Array.isArray(ev.online)) {
        const online = new Set(ev.online);
        this.setPresence(() => true, (h) => online.has(h));
      } else if (kind === "comment.withdrawn") {
        const gone = this.byId(ev.comment_id);
        if (gone) gone.remove();
      } else if (ev.comment && ev.comment.html) this.applyLive(kind, ev.comment).catch(() => {});
    }

    // An author's dot, wherever their comments are on the page: a cached copy's dots are as
    // old as the copy, so the stream's hello corrects them all and presence frames keep them.
    setPresence(match, online) {
      for (const dot of this.root.querySelectorAll(".presence[data-handle]")) {
        const handle = dot.dataset.handle;
        if (!match(handle)) continue;
        const on = typeof online === "function" ? online(handle) : online;
        dot.classList.toggle("online", on);
        dot.classList.toggle("offline", !on);
        dot.textContent = on ? t("Online") : t("Offline");
      }
    }

    liveNode(c) {
      const tpl = document.createElement("template");
      // Rendered and sanitised by the server, shared by every reader: in this page's language.
      tpl.innerHTML = (c.html_by_language && c.html_by_language[catalog.lang]) || c.html;
      localTimes(tpl.content);
      return tpl.content.querySelector("li.comment");
    }

    mine(c) {
      const me = this.root.querySelector(".me .handle");
      return Boolean(me && c.author && !c.author.guest && c.author.handle === me.textContent);
    }

    async applyLive(kind, c) {
      if (kind === "comment.featured" || kind === "comment.unfeatured") this.countFeatured(kind);
      if (this.featuredTab) return this.applyFeatured(kind, c);
      const existing = this.byId(c.id);
      let mine = this.mine(c);
      if (kind === "comment.created" || ((kind === "comment.approved" || kind === "comment.restored") && !existing)) {
        if (existing) return;
        if (!c.parent_id && !this.mine(c)) {
          this.live.waiting.push(c);
          this.showWaiting();
          return;
        }
        if (!this.placeLive(c)) return;
      } else if (kind === "comment.reaction") {
        // Only the count moves: the card, my pressed button and any open form stay.
        if (existing) this.setReacted(existing, null, c.reactions);
        return;
      } else {
        if (!existing) return;
        // A placeholder names nobody: whether it was mine, the card it replaces knows.
        const me = this.root.querySelector(".me .handle");
        const handle = existing.querySelector(":scope > .comment-card > .byline .handle");
        if (me && handle && handle.textContent === me.textContent) mine = true;
        const card = this.liveNode(c).querySelector(":scope > .comment-card");
        const pressed = existing.querySelector(":scope > .comment-card > footer form.react [aria-pressed=true]");
        existing.querySelector(":scope > .comment-card").replaceWith(card);
        existing.className = existing.className.replace(/\bstatus-\S+/, "status-" + c.status);
        if (pressed) this.setReacted(existing, true);
      }
      if (mine || this.moderating()) await this.applyOverlay(false, [String(c.id)]);
    }

    // The Featured tab live: a new pick goes on top, one unfeatured or taken down leaves,
    // a change to one on screen swaps its card; the thread's new comments are not for here.
    async applyFeatured(kind, c) {
      const existing = this.byId(c.id);
      const picked = c.featured && c.status === "visible";
      if (existing && !picked) { existing.remove(); return; }
      let li = existing;
      if (existing) {
        existing.querySelector(":scope > .comment-card").replaceWith(this.liveNode(c).querySelector(":scope > .comment-card"));
      } else if (kind === "comment.featured" && picked) {
        li = this.liveNode(c);
        li.className = li.className.replace(/\blevel-\d+/, "level-0");
        const link = document.createElement("a");
        link.href = this.base + "/stories/" + c.story_id + "/comments/" + c.id + "#c" + c.id;
        link.textContent = t("See it in the thread");
        const where = document.createElement("p");
        where.className = "in-thread";
        where.appendChild(link);
        li.querySelector(":scope > .comment-card").after(where);
        this.root.querySelector("ol.comments").prepend(li);
        const empty = this.root.querySelector(".empty");
        if (empty) empty.remove();
      } else return;
      if (this.mine(c) || this.moderating()) await this.applyOverlay(false, [String(li.dataset.commentId)]);
    }

    // "Featured (N)" follows features and unfeatures; past the list's bound it says "50+".
    // (Each feature and unfeature is one event, so replayed ones still add up.)
    countFeatured(kind) {
      const count = this.root.querySelector(".tabs .featured-count");
      if (!count || !/^\d+$/.test(count.textContent)) return;
      const n = Math.max(Number(count.textContent) + (kind === "comment.featured" ? 1 : -1), 0);
      count.textContent = String(n);
      if (!this.featuredTab) count.closest("a").hidden = n === 0;
    }

    // A moderator's Remove control comes with the overlay, for live comments as for the rest.
    moderating() {
      const me = this.root.querySelector(".me");
      return Boolean(me && (me.dataset.role === "moderator" || me.dataset.role === "admin"));
    }

    placeLive(c) {
      const fresh = this.liveNode(c);
      const level = (li) => Number((li.className.match(/level-(\d+)/) || [0, 0])[1]);
      if (c.parent_id) {
        const parent = this.byId(c.parent_id);
        if (!parent) return false;  // its branch is not on screen: "more replies" will show it
        const depth = Math.min(level(parent) + 1, 7);
        fresh.className = fresh.className.replace(/\blevel-\d+/, "level-" + depth);
        if (depth <= level(parent)) parent.parentElement.appendChild(fresh);  // nesting capped
        else this.repliesOf(parent).appendChild(fresh);
      } else {
        const list = this.root.querySelector("ol.comments");
        if (this.root.dataset.sort === "newest" || this.root.dataset.sort === "top") list.prepend(fresh); else list.appendChild(fresh);
        const empty = this.root.querySelector(".empty");
        if (empty) empty.remove();
      }
      const count = this.root.querySelector(".discussion-head .count");
      if (count) count.textContent = String(Number(count.textContent) + 1);
      return true;
    }

    showWaiting() {
      let button = this.root.querySelector("button.new-comments");
      if (!button) {
        button = document.createElement("button");
        button.type = "button";
        button.className = "new-comments";
        button.addEventListener("click", () => this.revealWaiting());
        this.root.querySelector("ol.comments").before(button);
      }
      const n = this.live.waiting.length;
      button.textContent = this.live.reset ? t("The discussion has changed: show the latest")
        : tn("%(num)s new comment", "%(num)s new comments", n);
      button.hidden = false;
      this.say(button.textContent);
    }

    async revealWaiting() {
      const button = this.root.querySelector("button.new-comments");
      if (this.live.reset) {
        // Too much was missed to replay: read the discussion again.
        this.live.reset = false;
        this.live.waiting = [];
        if (this.mode === "embed") await this.load(); else window.location.reload();
        return;
      }
      const shown = [];
      for (const c of this.live.waiting.splice(0)) {
        if (!this.byId(c.id) && this.placeLive(c)) shown.push(c);
      }
      if (button) button.hidden = true;
      if (shown.length) this.byId(shown[shown.length - 1].id).scrollIntoView({ block: "nearest" });
      if (shown.length && this.moderating()) await this.applyOverlay(false, shown.map((c) => String(c.id)));
    }

    async signOut() {
      try { await this.request("POST", "/api/v1/auth/signout", {}); } catch (e) { /* revoke best effort */ }
      storage.del(this.tokenKey);
      await this.load();
    }
  }

  // -- OpenID Connect sign-in from the embed ---------------------------------------------
  // "Sign in with …" opens veche's start page in a popup, telling it this page's origin.
  // The provider's round trip happens there; its last page posts the session token back to
  // this window (web/static/oidc-popup.js). Only a message from veche's origin and from
  // that popup is taken. On veche's own pages the link is a plain redirect.
  function oidcPopup(discussion, event) {
    const link = event.target.closest ? event.target.closest("a.oidc-signin") : null;
    if (!link || discussion.mode !== "embed") return;
    event.preventDefault();
    const url = new URL(link.href);
    url.searchParams.set("origin", window.location.origin);
    const popup = window.open(url.toString(), "veche-oidc", "popup,width=520,height=680");
    if (!popup) {
      discussion.status(link.closest(".gate, details") || link, t("Allow pop-ups for this page to sign in."), true);
      return;
    }
    const expected = new URL(discussion.base, window.location.href).origin;
    const onMessage = async (e) => {
      if (e.origin !== expected || e.source !== popup) return;
      if (!e.data || e.data.type !== "veche:oidc" || typeof e.data.token !== "string") return;
      window.removeEventListener("message", onMessage);
      storage.set(discussion.tokenKey, e.data.token);
      await discussion.load();
    };
    window.addEventListener("message", onMessage);
  }

  // -- notifications: the bell --------------------------------------------------------------
  // A signed-in reader's unread replies and mentions, next to "Commenting as". The story
  // stream's `notification` frames ({unread}) keep the count live; a click lists the latest,
  // each a link to the comment's permalink. Everything shown is set as text, never as HTML.
  class Bell {
    constructor(discussion) {
      this.d = discussion;
      this.button = null;
      this.panel = null;
    }

    attach() {
      const me = this.d.root && this.d.root.querySelector(".me");
      this.button = null;
      this.panel = null;
      if (!me) return;  // nobody signed in: no bell
      const button = document.createElement("button");
      button.type = "button";
      button.className = "link veche-bell";
      button.setAttribute("aria-expanded", "false");
      const icon = document.createElement("span");
      icon.className = "bell-icon";
      icon.textContent = "\u{1F514}";
      icon.setAttribute("aria-hidden", "true");
      const count = document.createElement("span");
      count.className = "bell-count";
      button.append(icon, count);
      button.addEventListener("click", () => this.toggle());
      me.appendChild(button);
      this.button = button;
      this.set(0);
      this.load().catch(() => {});
      // Signed in inside the embed after its stream opened: that stream is anonymous, and
      // the bell's frames go to the reader's own streams. Reconnect it (from its last id).
      const live = this.d.live;
      if (this.d.mode === "embed" && live && live.ctrl && live.token !== this.d.token) live.ctrl.abort();
    }

    // A stream that reconnects may have missed frames while it was away: ask again.
    resync() {
      if (this.button && this.synced) this.load().catch(() => {});
      this.synced = true;
    }

    set(unread) {
      if (!this.button) return;
      const n = Number(unread) || 0;
      this.button.dataset.unread = String(n);
      this.button.querySelector(".bell-count").textContent = n ? String(n) : "";
      this.button.setAttribute("aria-label", tn("%(num)s unread notification", "%(num)s unread notifications", n));
    }

    async load() {
      const data = JSON.parse(await this.d.request("GET", "/api/v1/me/notifications?limit=10", undefined, "no-store"));
      this.set(data.unread);
      return data;
    }

    async toggle() {
      if (this.panel) { this.close(); return; }
      let data;
      try { data = await this.load(); } catch (e) { return; }
      const panel = document.createElement("div");
      panel.className = "bell-panel";
      if (!data.items.length) {
        const p = document.createElement("p");
        p.textContent = t("No notifications yet.");
        panel.appendChild(p);
      }
      const list = document.createElement("ol");
      for (const item of data.items) list.appendChild(this.entry(item));
      if (data.items.length) panel.appendChild(list);
      if (data.unread) {
        const all = document.createElement("button");
        all.type = "button";
        all.className = "link bell-read-all";
        all.textContent = t("Mark all read");
        all.addEventListener("click", () => this.markRead(null).then(() => this.close()));
        panel.appendChild(all);
      }
      this.button.after(panel);
      this.button.setAttribute("aria-expanded", "true");
      this.panel = panel;
    }

    entry(item) {
      const li = document.createElement("li");
      li.className = item.read ? "read" : "unread";
      const link = document.createElement("a");
      link.href = item.url;
      // One sentence from the catalog; the actor's name goes in bold where its hole is.
      const sentence = item.kind === "reply" ? t("%(actor)s replied to your comment in “%(title)s”")
        : t("%(actor)s mentioned you in “%(title)s”");
      const [before, after] = sentence.split("%(actor)s").map((part) => fill(part || "", { title: item.story_title }));
      const who = document.createElement("strong");
      who.textContent = item.actor;
      link.append(before, who, after);
      link.addEventListener("click", (e) => {
        if (item.read) return;
        e.preventDefault();
        this.markRead([item.id]).finally(() => { window.location.href = item.url; });
      });
      li.appendChild(link);
      if (item.excerpt) {
        const p = document.createElement("p");
        p.className = "excerpt";
        p.textContent = item.excerpt;
        li.appendChild(p);
      }
      return li;
    }

    async markRead(ids) {
      try {
        const data = JSON.parse(await this.d.request("POST", "/api/v1/me/notifications/read", ids ? { ids } : {}));
        this.set(data.unread);
      } catch (e) { /* the count stays; the next frame or open corrects it */ }
    }

    close() {
      if (this.panel) this.panel.remove();
      this.panel = null;
      if (this.button) this.button.setAttribute("aria-expanded", "false");
    }
  }

  // A cross-origin read the browser refused, while veche answers: veche gave this page's
  // origin no CORS allowance, i.e. no site lists it. Told apart from a dropped network by
  // asking twice: a CORS read fails, and an opaque (no-cors) one reaches the server.
  async function refusedOrigin(base) {
    const probe = base + "/api/v1/health";
    try {
      await fetch(probe, { credentials: "omit", cache: "no-store" });
      return false;  // readable: the origin is allowed, the failure was something else
    } catch (e) { /* refused, or unreachable */ }
    try {
      await fetch(probe, { mode: "no-cors", credentials: "omit", cache: "no-store" });
      return true;
    } catch (e) {
      return false;  // unreachable: a network problem, not a refusal
    }
  }

  // What fits the embed to the publisher's article (its theme, permalinks to the article,
  // quotes of the article) is static/embed-fit.js, loaded beside this file: it hands its
  // constructor over on its own script element, so the page gets no global.
  function fitEmbed(base, options) {
    return new Promise((resolve) => {
      const s = document.createElement("script");
      s.src = base + "/static/embed-fit.js";
      s.async = true;
      s.addEventListener("load", () => {
        try { resolve(s.vecheFit ? s.vecheFit(options) : null); } catch (e) { resolve(null); }
      });
      s.addEventListener("error", () => resolve(null));
      document.head.appendChild(s);
    });
  }

  function start() {
    if (script && script.dataset.storyUrl) {
      const base = new URL(script.src).origin;
      const host = document.createElement("div");
      host.className = "veche-embed";
      script.parentNode.insertBefore(host, script.nextSibling);
      const shadow = host.attachShadow({ mode: "open" });
      const css = document.createElement("link");
      css.rel = "stylesheet";
      css.href = base + "/static/veche.css";
      shadow.appendChild(css);
      const d = new Discussion(shadow, {
        mode: "embed", base, storyUrl: script.dataset.storyUrl,
        storyTitle: script.dataset.storyTitle || document.title,
        titleSignature: script.dataset.titleSignature || null,
        ssoToken: script.dataset.ssoToken || null,
        ssoCallback: (script.dataset.ssoCallback && window[script.dataset.ssoCallback]) || window.vecheSso || null,
      });
      d.load().then(() => d.trySso()).catch(async (e) => {
        const p = document.createElement("p");
        p.className = "form-error";
        p.setAttribute("role", "alert");
        if (e instanceof ApiError && e.code === "origin_not_allowed") {
          p.textContent = e.message;  // the server's reason: this site does not list this page
        } else if (e instanceof NetworkError && await refusedOrigin(base)) {
          p.textContent = t("This site does not allow pages from %(origin)s to show its discussion.", { origin: window.location.origin });
        } else {
          p.textContent = t("The discussion could not be loaded: %(reason)s", { reason: e.message });
        }
        shadow.appendChild(p);
      });
      host.veche = d;
      d.fitted = fitEmbed(base, { discussion: d, script, host, shadow, translate: t }).then((fit) => { d.fit = fit; });
      return;
    }
    const root = document.querySelector("[data-veche-discussion]");
    if (!root) return;
    const d = new Discussion(root.parentElement, { mode: "hosted", base: "" });
    if (root.dataset.csrf) {
      // Composed for this viewer by the server already (my reactions pressed too); my own
      // comments' reaction buttons are the one thing left to mark.
      d.markReactions(null, d.root.querySelector(".me .handle"));
      d.restoreDrafts();
      d.bell.attach();
      root.dataset.ready = "yes";
      d.startLive();
    } else {
      // The shared page: put this reader's half in, then take over.
      d.applyOverlay(true).then(() => { d.root.dataset.ready = "yes"; d.startLive(); });
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
