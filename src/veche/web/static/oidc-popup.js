/* veche: the last page of an OpenID sign-in begun in the embed's popup.
 *
 * It hands the new session to the window that opened it, addressed to that page's origin
 * (one of the site's allowed origins, checked by the server): postMessage delivers nothing
 * if the opener is now on another origin. The embed checks that the message comes from
 * veche's origin and from the popup it opened.
 */
(() => {
  "use strict";
  const el = document.getElementById("veche-oidc");
  if (!el) return;
  let data;
  try { data = JSON.parse(el.textContent); } catch (e) { return; }
  if (!window.opener || !data || !data.origin) return;
  window.opener.postMessage({ type: "veche:oidc", token: data.token, user: data.user }, data.origin);
  window.close();
})();
