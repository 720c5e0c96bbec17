/* veche: comment counts on a publisher's article list.
 *
 *   <script src="https://comments.example.com/count.js" async></script>
 *   <a href="/2026/storm#comments" data-veche-count
 *      data-story-url="https://news.example.com/2026/storm">Comments</a>
 *
 * Every [data-veche-count] element is filled from ONE request (GET /api/v1/counts, up to
 * 100 URLs; a longer list takes one request per hundred): "12 comments", or only the
 * number inside a child marked [data-veche-count-number], so icons and words of the
 * publisher's own stay. Until the answer comes, or if it never does, the element keeps
 * what the publisher wrote. Counts are set as text, never as HTML.
 */
(() => {
  "use strict";

  const script = document.currentScript;
  const base = new URL(script ? script.src : "/", window.location.href).origin;
  const MAX_URLS = 100;
  const LANGUAGES = ["en", "ru", "kk"];

  // The page's language (data-lang on this script, else <html lang>), and its catalog from
  // veche (GET /i18n/{lang}.json, cacheable): "1 комментарий", "5 комментариев".
  function language() {
    const wanted = (script && script.dataset.lang) || document.documentElement.lang || navigator.language || "en";
    const base = wanted.toLowerCase().split(/[-_]/)[0];
    return LANGUAGES.includes(base) ? base : "en";
  }
  let catalog = { lang: "en", messages: {}, plurals: {} };
  async function loadCatalog() {
    const lang = language();
    if (lang === "en") return;
    try {
      const response = await fetch(base + "/i18n/" + lang + ".json", { credentials: "omit" });
      if (response.ok) catalog = await response.json();
    } catch (e) { /* English, the msgids */ }
  }
  function tn(singular, plural, n) {
    const forms = catalog.plurals[singular];
    let text = n === 1 ? singular : plural;
    if (forms) {
      let category = "other";
      try { category = new Intl.PluralRules(catalog.lang).select(n); } catch (e) { /* no Intl */ }
      text = forms[category] || forms.other || text;
    }
    return text.replace(/%\(num\)s/g, String(n));
  }

  function label(n) {
    return tn("%(num)s comment", "%(num)s comments", n);
  }

  function show(el, n) {
    const number = el.querySelector("[data-veche-count-number]");
    if (number) number.textContent = String(n);
    else el.textContent = label(n);
    el.setAttribute("data-veche-count", String(n));
  }

  async function fill() {
    await loadCatalog();
    const elements = Array.from(document.querySelectorAll("[data-veche-count][data-story-url]"));
    const urls = Array.from(new Set(elements.map((el) => el.getAttribute("data-story-url"))));
    for (let i = 0; i < urls.length; i += MAX_URLS) {
      const q = new URLSearchParams();
      for (const url of urls.slice(i, i + MAX_URLS)) q.append("url", url);
      let counts;
      try {
        const response = await fetch(base + "/api/v1/counts?" + q.toString(), { credentials: "omit" });
        if (!response.ok) throw new Error("veche counts: " + response.status);
        counts = (await response.json()).counts;
      } catch (e) {
        // A page whose origin the site does not list is refused by the browser (CORS).
        console.warn("veche: comment counts could not be loaded", e);
        continue;
      }
      for (const el of elements) {
        const n = counts[el.getAttribute("data-story-url")];
        if (typeof n === "number") show(el, n);
      }
    }
  }

  // A list that grows (infinite scroll) asks again for what it added: window.vecheCounts().
  window.vecheCounts = fill;
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fill);
  else fill();
})();
