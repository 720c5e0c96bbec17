/* veche's thread pages on a cut network. Loaded by veche's own thread pages only, never by
 * the embed (that runs on a publisher's page, whose origin is not ours to register on).
 *
 * It registers /sw.js, which keeps the last threads a reader opened. On a copy the worker
 * served offline (it carries <meta name="veche-saved">), it says when the copy was saved
 * and turns the forms off: they could not send, and typing into them would overwrite the
 * drafts the live page keeps. The words come from the template, so they can be translated.
 */
(() => {
  "use strict";

  const script = document.currentScript;
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => { /* no worker: pages work as before */ });
  }
  const meta = document.querySelector('meta[name="veche-saved"]');
  const at = meta ? new Date(meta.content) : null;
  if (!at || isNaN(at)) return;

  function shown() {
    const today = new Date().toDateString() === at.toDateString();
    return today
      ? at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })
      : at.toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
  }

  function mark() {
    const p = document.createElement("p");
    p.className = "saved-copy";
    p.setAttribute("role", "status");
    const [before, after] = (script.dataset.saved || "Saved {time}").split("{time}");
    const time = document.createElement("time");
    time.dateTime = at.toISOString();
    time.textContent = shown();
    p.append(before, time, after || "", " ");
    const again = document.createElement("a");
    again.href = window.location.href;
    again.textContent = script.dataset.again || "Try again";
    p.append(again);
    return p;
  }

  function freeze() {
    for (const form of document.querySelectorAll("form")) {
      for (const el of form.elements) el.disabled = true;
    }
  }

  function start() {
    document.documentElement.dataset.savedCopy = "yes";
    const main = document.querySelector("main");
    if (main) main.prepend(mark());
    freeze();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
