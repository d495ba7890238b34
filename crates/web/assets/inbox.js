// The inbox: notices about the caller's cases, newest first; opening one marks it read.
import { html, render } from "./core/html.js";
import { strings, t } from "./core/i18n.js";
import { api } from "./core/api.js";
import { $, app, onClick, listOr, pager, fmtTime } from "./core/ui.js";
import { view, nav, renderNav } from "./core/router.js";

strings({ inbox: "消息", read_all: "全部标为已读" }, { inbox: "Inbox", read_all: "Mark all read" });

async function viewInbox(arg, page = 1) {
  const r = await api("GET", `/api/v1/inbox?page=${page}`);
  render(app(), html`<div class="card"><h1>${t("inbox")}</h1>
    <button class="secondary" id="inbox-read-all" type="button">${t("read_all")}</button>
    <ul class="list" id="inbox-list">${listOr(r.items, (n) => html`<li class="${n.read ? "muted" : "unread"}"><span>${n.case_id ? html`<a href="#/case/${n.case_id}" data-id="${n.id}" class="inbox-link">${n.text}</a>` : n.text}</span>
      <span class="muted">${fmtTime(n.at)}</span></li>`)}</ul>
    ${pager(page, r.has_more, (p) => viewInbox(arg, p))}</div>`);
  $("#inbox-read-all").addEventListener("click", async () => {
    await api("POST", "/api/v1/inbox/read-all");
    renderNav();
    viewInbox(arg, page);
  });
  onClick("a.inbox-link", (a) => {
    api("POST", `/api/v1/inbox/${a.dataset.id}/read`).catch(() => {});
  });
}

view("inbox", viewInbox);
nav("nav-inbox", "#/inbox", "inbox");
