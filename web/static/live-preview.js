// Live preview of a new prompt: as the form changes, ask the server for the same preview the
// "Preview" button shows and put it in place. Without this script the button does the same.
(() => {
  "use strict";
  const form = document.querySelector("form[data-live-preview]");
  const region = document.getElementById("live-preview");
  if (!form || !region || !window.fetch || !window.DOMParser) return;
  let timer = 0;
  let asked = 0;
  async function refresh() {
    const mine = ++asked;
    const body = new FormData(form);
    body.set("action", "preview");
    let html;
    try {
      // form.action would be the button named "action": read the attribute itself.
      const address = form.getAttribute("action");
      const response = await fetch(address, { method: "POST", body, credentials: "same-origin" });
      html = await response.text();
    } catch (error) {
      return; // offline for a moment: the Preview button still works
    }
    if (mine !== asked) return; // a newer answer is on its way
    const fresh = new DOMParser().parseFromString(html, "text/html").getElementById("live-preview");
    if (!fresh) return;
    fresh.querySelectorAll("[role=alert]").forEach((e) => e.removeAttribute("role"));
    region.replaceChildren(...fresh.childNodes);
  }
  form.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 500);
  });
  form.addEventListener("change", () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 150);
  });
})();
