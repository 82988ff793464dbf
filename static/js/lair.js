// Lair Chat pages: the live part. One module, no build step, no dependencies.
//
// It opens /api/v1/ws/ with the session cookie, applies the events to the open
// page, remembers the last event_id it saw and, after a drop or a server
// restart, reconnects with backoff and resumes from it, so nothing is lost or
// shown twice (elements are keyed by message id). Writes go through the REST
// API with the session cookie and the page's CSRF token. Message HTML always
// comes from the server's `html` field; names and counts are set as text.

const body = document.body;
const me = Number(body.dataset.userId || 0);
const pageData = readJson("page-data") || {};
const roomEl = document.getElementById("room");
const roomId = roomEl ? Number(roomEl.dataset.roomId) : null;
const threadId = roomEl && roomEl.dataset.threadId ? Number(roomEl.dataset.threadId) : null;
const log = document.getElementById("messages");
const historyBox = document.getElementById("history");
const template = document.getElementById("message-template");
const typingLine = document.getElementById("typing");
const announcer = document.getElementById("announcer");
const stateEl = document.getElementById("connection-state");
const composer = document.getElementById("composer");
const csrf = (document.querySelector("input[name=csrfmiddlewaretoken]") || {}).value || "";
const baseTitle = document.title.replace(/^\(\d+\)\s*/, "");
const TYPING_SEND_EVERY_MS = 3000;
const AWAY_AFTER_HIDDEN_MS = 5 * 60 * 1000;
const enterSends = body.dataset.enterSends !== "false";
const TYPING_SHOWN_MS = 6000;

let lastEventId = Number(pageData.eventId || body.dataset.eventId || 0);

function readJson(id) {
  const el = document.getElementById(id);
  if (!el) return null;
  try { return JSON.parse(el.textContent); } catch { return null; }
}

// ---------------------------------------------------------------- REST calls

async function api(method, path, data) {
  const options = {
    method,
    credentials: "same-origin",
    headers: { "X-CSRFToken": csrf, Accept: "application/json" },
  };
  if (data !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(data);
  }
  const response = await fetch(`/api/v1/${path}`, options);
  if (response.status === 204) return null;
  const payload = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error((payload.error && payload.error.message) || `Error ${response.status}`);
    error.status = response.status;
    error.retryAfter = Number(response.headers.get("Retry-After") || 0);
    throw error;
  }
  return payload;
}

function newClientId() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  return `c${Date.now()}${Math.random().toString(16).slice(2)}`;
}

// ---------------------------------------------------------------- times

// The zone the user chose in their settings, else the browser's own.
const timeZone = body.dataset.timezone || undefined;
const timeFormat = makeFormat({ hour: "numeric", minute: "2-digit" });
const dayFormat = makeFormat({ month: "short", day: "numeric", hour: "numeric", minute: "2-digit" });

function makeFormat(options) {
  try { return new Intl.DateTimeFormat(undefined, { ...options, timeZone }); }
  catch { return new Intl.DateTimeFormat(undefined, options); }
}

function dayIn(when) {
  return makeFormat({ year: "numeric", month: "numeric", day: "numeric" }).format(when);
}

function showTime(el) {
  const when = new Date(el.getAttribute("datetime"));
  if (Number.isNaN(when.getTime())) return;
  const today = dayIn(new Date()) === dayIn(when);
  el.textContent = (today ? timeFormat : dayFormat).format(when);
  el.title = when.toLocaleString();
}

// ---------------------------------------------------------------- messages

function displayName(person) {
  if (!person) return "Deactivated user";
  return person.display_name || person.username;
}

function belongsHere(message) {
  if (!log || message.room_id !== roomId) return false;
  return threadId ? message.parent_id === threadId : message.parent_id === null;
}

function messageElement(id) {
  return log ? log.querySelector(`[data-message-id="${id}"]`) : null;
}

function buildMessage(message) {
  const el = template.content.firstElementChild.cloneNode(true);
  el.id = `m-${message.id}`;
  el.dataset.messageId = message.id;
  el.dataset.authorId = message.author ? message.author.id : "";
  el.classList.toggle("message-own", Boolean(message.author && message.author.id === me));
  const avatar = el.querySelector(".message-avatar");
  avatar.replaceChildren();
  if (message.author && message.author.avatar_url) {
    const img = document.createElement("img");
    img.className = "avatar";
    img.alt = "";
    img.src = message.author.avatar_url;
    avatar.append(img);
  } else {
    const initial = document.createElement("span");
    initial.className = "avatar avatar-initial";
    initial.textContent = displayName(message.author).slice(0, 1).toUpperCase();
    avatar.append(initial);
  }
  el.querySelector(".message-author").textContent = displayName(message.author);
  const time = el.querySelector("time");
  time.setAttribute("datetime", message.created_at);
  showTime(time);
  const threadUrl = `/rooms/${message.room_id}/threads/${message.id}/`;
  for (const link of el.querySelectorAll(".thread-link, .action-reply")) link.href = threadUrl;
  const form = el.querySelector(".action-delete-form");
  if (form) form.action = `/messages/${message.id}/delete/`;
  const own = message.author && message.author.id === me;
  if (!own) el.querySelector(".action-edit")?.remove();
  if (!own && !pageData.canModerate) form?.remove();
  if (!pageData.isMember) el.querySelector(".action-react")?.remove();
  enableScripted(el);
  updateMessage(el, message);
  return el;
}

function updateMessage(el, message) {
  const bodyEl = el.querySelector(".message-body");
  if (message.deleted) {
    el.dataset.deleted = "true";
    const note = document.createElement("p");
    note.className = "message-deleted";
    note.textContent = "This message was deleted.";
    bodyEl.replaceChildren(note);
    el.querySelector(".message-actions")?.remove();
    el.querySelector(".message-editor")?.remove();
    bodyEl.hidden = false;
  } else if (!el.querySelector(".message-editor")) {
    bodyEl.innerHTML = message.html;
  }
  el.classList.toggle("message-mentions-me", (message.mentions || []).includes(me));
  el.querySelector(".message-edited").hidden = !message.edited_at || message.deleted;
  renderReactions(el, message.reactions || []);
  setReplyCount(el, message.reply_count || 0);
}

function bumpThreadCount() {
  const line = document.querySelector(".thread-root .thread-count");
  if (!line) return;
  const count = Number(line.dataset.count || 0) + 1;
  line.dataset.count = count;
  line.textContent = count === 1 ? "1 reply" : `${count} replies`;
}

function setReplyCount(el, count) {
  const link = el.querySelector(".thread-link");
  if (!link) return;
  link.hidden = count === 0;
  link.querySelector(".count").textContent = count;
  link.lastChild.textContent = count === 1 ? " reply" : " replies";
}

function renderReactions(el, reactions) {
  const box = el.querySelector(".reactions");
  box.replaceChildren(...reactions.map((r) => reactionButton(r.emoji, r.count, r.me)));
}

function reactionButton(emoji, count, mine) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "reaction";
  button.dataset.emoji = emoji;
  button.dataset.count = count;
  button.setAttribute("aria-pressed", mine ? "true" : "false");
  button.textContent = `${emoji} ${count}`;
  return button;
}

function changeReaction(messageId, emoji, userId, delta) {
  const el = messageElement(messageId);
  if (!el) return;
  const box = el.querySelector(".reactions");
  let button = [...box.children].find((b) => b.dataset.emoji === emoji);
  const count = (button ? Number(button.dataset.count) : 0) + delta;
  const mine = userId === me ? delta > 0 : button?.getAttribute("aria-pressed") === "true";
  if (count <= 0) { button?.remove(); return; }
  const fresh = reactionButton(emoji, count, mine);
  if (button) button.replaceWith(fresh); else box.append(fresh);
}

function nearBottom() {
  const scroller = scrollBox();
  return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 120;
}

function scrollBox() {
  // The history scrolls on its own on wide screens; the page does on narrow ones.
  if (historyBox && historyBox.scrollHeight > historyBox.clientHeight + 1) return historyBox;
  return document.scrollingElement;
}

function scrollToBottom() {
  const scroller = scrollBox();
  scroller.scrollTop = scroller.scrollHeight;
}

function addMessage(message, { announce = true } = {}) {
  const existing = messageElement(message.id);
  if (existing) { updateMessage(existing, message); return existing; }
  const stick = nearBottom();
  const el = buildMessage(message);
  // Keep id order even when a resume replays around a live event.
  const later = [...log.children].find((c) => Number(c.dataset.messageId) > message.id);
  log.insertBefore(el, later || null);
  document.getElementById("messages-empty")?.remove();
  roomEl.dataset.newestId = Math.max(Number(roomEl.dataset.newestId || 0), message.id);
  if (stick || (message.author && message.author.id === me)) scrollToBottom();
  if (announce && message.author && message.author.id !== me && announcer) {
    const text = el.querySelector(".message-body").textContent.trim().slice(0, 140);
    announcer.textContent = `${displayName(message.author)}: ${text}`;
  }
  return el;
}

// ---------------------------------------------------------------- sidebar, title

function roomLink(id) {
  return document.querySelector(`nav[aria-label="Rooms"] a[data-room-id="${id}"]`);
}

function setBadge(link, selector, count) {
  const badge = link?.querySelector(selector);
  if (!badge) return;
  badge.querySelector(".count").textContent = count;
  badge.hidden = count === 0;
  if (selector === ".badge-unread") link.classList.toggle("room-link-unread", count > 0);
}

function bumpUnread(message) {
  const link = roomLink(message.room_id);
  if (!link) return;
  const unread = link.querySelector(".badge-unread .count");
  setBadge(link, ".badge-unread", Number(unread?.textContent || 0) + 1);
  if ((message.mentions || []).includes(me)) {
    const mentions = link.querySelector(".badge-mention .count");
    setBadge(link, ".badge-mention", Number(mentions?.textContent || 0) + 1);
  }
  updateTitle();
}

function updateTitle() {
  let total = 0;
  for (const badge of document.querySelectorAll('nav[aria-label="Rooms"] .badge-unread .count')) {
    total += Number(badge.textContent || 0);
  }
  document.title = total > 0 ? `(${total}) ${baseTitle}` : baseTitle;
  const summary = document.querySelector(".sidebar-summary .badge-unread");
  if (summary) { summary.textContent = total; summary.hidden = total === 0; }
}

// ---------------------------------------------------------------- read marker

let readTimer = null;
let readSent = 0;

function markRead() {
  if (!roomId || !pageData.isMember || threadId || document.visibilityState !== "visible") return;
  if (!nearBottom()) return;
  const newest = Number(roomEl.dataset.newestId || 0);
  if (!newest || newest <= readSent) return;
  clearTimeout(readTimer);
  readTimer = setTimeout(async () => {
    readSent = newest;
    try { await api("POST", `rooms/${roomId}/read`, { message_id: newest }); } catch { readSent = 0; }
    const link = roomLink(roomId);
    setBadge(link, ".badge-unread", 0);
    setBadge(link, ".badge-mention", 0);
    updateTitle();
  }, 400);
}

// ---------------------------------------------------------------- typing

const typists = new Map(); // user id -> {name, timer}

function showTyping() {
  if (!typingLine) return;
  const names = [...typists.values()].map((t) => t.name);
  if (names.length === 0) typingLine.textContent = "";
  else if (names.length === 1) typingLine.textContent = `${names[0]} is typing…`;
  else if (names.length === 2) typingLine.textContent = `${names[0]} and ${names[1]} are typing…`;
  else typingLine.textContent = "Several people are typing…";
}

function onTyping(frame) {
  if (frame.room_id !== roomId || !frame.user || frame.user.id === me) return;
  const previous = typists.get(frame.user.id);
  if (previous) clearTimeout(previous.timer);
  if (frame.state === "start") {
    const timer = setTimeout(() => { typists.delete(frame.user.id); showTyping(); }, TYPING_SHOWN_MS);
    typists.set(frame.user.id, { name: displayName(frame.user), timer });
  } else {
    typists.delete(frame.user.id);
  }
  showTyping();
}

function stopTypingOf(userId) {
  const typist = typists.get(userId);
  if (typist) { clearTimeout(typist.timer); typists.delete(userId); showTyping(); }
}

// ---------------------------------------------------------------- presence, members

function onPresence(frame) {
  const selector = `[data-user-id="${frame.user_id}"]`;
  for (const el of document.querySelectorAll(`#member-list li${selector}, .presence-dot${selector}`)) {
    el.dataset.presence = frame.status;
    const hidden = el.querySelector(".visually-hidden");
    if (hidden) hidden.textContent = `, ${frame.status}`;
  }
}

function onMemberJoined(frame) {
  const list = document.getElementById("member-list");
  if (frame.room_id !== roomId || !list || list.querySelector(`[data-user-id="${frame.user.id}"]`)) return;
  const li = document.createElement("li");
  li.dataset.userId = frame.user.id;
  li.dataset.presence = frame.user.presence || "offline";
  const dot = document.createElement("span");
  dot.className = "presence-dot";
  dot.setAttribute("aria-hidden", "true");
  const name = document.createElement("span");
  name.className = "member-name";
  name.textContent = displayName(frame.user);
  const state = document.createElement("span");
  state.className = "visually-hidden";
  state.textContent = `, ${li.dataset.presence}`;
  li.append(dot, name, state);
  list.append(li);
  updateMemberCount();
}

function onMemberLeft(frame) {
  if (frame.user && frame.user.id === me && frame.room_id === roomId) {
    window.location.assign("/");
    return;
  }
  if (frame.user && frame.user.id === me) roomLink(frame.room_id)?.parentElement.remove();
  if (frame.room_id !== roomId) return;
  document.querySelector(`#member-list [data-user-id="${frame.user.id}"]`)?.remove();
  stopTypingOf(frame.user.id);
  updateMemberCount();
}

function updateMemberCount() {
  const count = document.querySelectorAll("#member-list li").length;
  const heading = document.querySelector("#members h2 .count");
  if (heading) heading.textContent = count;
}

// ---------------------------------------------------------------- events

function onEvent(frame) {
  if (typeof frame.event_id === "number" && frame.event_id > lastEventId) lastEventId = frame.event_id;
  switch (frame.type) {
    case "message.created": {
      const message = frame.message;
      if (belongsHere(message)) {
        if (threadId && !messageElement(message.id)) bumpThreadCount();
        addMessage(message);
        stopTypingOf(message.author && message.author.id);
        markRead();
      } else if (message.room_id === roomId && message.parent_id !== null) {
        const root = messageElement(message.parent_id);
        if (root) setReplyCount(root, Number(root.querySelector(".thread-link .count")?.textContent || 0) + 1);
      } else if (message.room_id !== roomId && message.author?.id !== me) {
        // Thread replies count as unread too, as the server's room list counts them.
        bumpUnread(message);
      }
      break;
    }
    case "message.updated":
    case "message.deleted": {
      const el = messageElement(frame.message.id);
      if (el) updateMessage(el, frame.message);
      break;
    }
    case "reaction.added":
    case "reaction.removed": {
      changeReaction(frame.message_id, frame.emoji, frame.user_id, frame.type === "reaction.added" ? 1 : -1);
      break;
    }
    case "typing": onTyping(frame); break;
    case "presence": onPresence(frame); break;
    case "member.joined": onMemberJoined(frame); break;
    case "member.left": onMemberLeft(frame); break;
    case "read": {
      if (frame.user_id === me) {
        setBadge(roomLink(frame.room_id), ".badge-unread", 0);
        setBadge(roomLink(frame.room_id), ".badge-mention", 0);
        updateTitle();
      }
      break;
    }
    case "room.updated": {
      if (frame.room && frame.room.id === roomId) {
        const topic = document.querySelector(".room-topic");
        if (topic) topic.textContent = frame.room.topic || frame.room.description || "";
      }
      const name = roomLink(frame.room?.id)?.querySelector(".room-link-name");
      if (name && frame.room.type !== "direct") name.textContent = frame.room.name;
      break;
    }
    case "room.deleted": {
      if (frame.room_id === roomId) window.location.assign("/");
      else roomLink(frame.room_id)?.parentElement.remove();
      break;
    }
    case "invitation": {
      const count = document.getElementById("invitation-count");
      if (count) count.textContent = Number(count.textContent || 0) + 1;
      break;
    }
    case "system": {
      if (announcer) announcer.textContent = `Announcement: ${frame.content || ""}`;
      showNotice(frame.content || "", "system");
      break;
    }
    default: break;
  }
}

function showNotice(text, kind) {
  const main = document.getElementById("main");
  if (!main || !text) return;
  let list = main.querySelector(".flash");
  if (!list) {
    list = document.createElement("ul");
    list.className = "flash";
    list.setAttribute("aria-label", "Notices");
    main.prepend(list);
  }
  const item = document.createElement("li");
  item.className = `flash-${kind}`;
  item.setAttribute("role", "status");
  item.textContent = text;
  list.append(item);
}

// ---------------------------------------------------------------- the socket

let socket = null;
// A page on its way out (a link, the sign-out form) lets its socket go quietly.
let leaving = false;
window.addEventListener("pagehide", () => { leaving = true; });
window.addEventListener("beforeunload", () => { leaving = true; });
let attempt = 0;
let resuming = false;
let pingTimer = null;

function setState(state) {
  if (!stateEl) return;
  stateEl.dataset.state = state;
  const banner = document.getElementById("connection-banner");
  if (banner) banner.hidden = state !== "offline";
  const text = { connecting: "Connecting…", online: "Connected", offline: "Reconnecting…" }[state];
  stateEl.querySelector(".connection-text").textContent = text;
}

function connect() {
  if (!me) return;
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${window.location.host}/api/v1/ws/`);
  socket.addEventListener("message", (event) => {
    let frame;
    try { frame = JSON.parse(event.data); } catch { return; }
    if (frame.type === "ready") {
      attempt = 0;
      resuming = true;
      socket.send(JSON.stringify({ type: "resume", after: lastEventId }));
    } else if (frame.type === "resumed") {
      resuming = false;
      if (frame.last_event_id > lastEventId) lastEventId = frame.last_event_id;
      setState("online");
      markRead();
    } else if (frame.type === "resync_required") {
      // The log no longer reaches back to what this page shows: start afresh.
      window.location.reload();
    } else if (frame.type !== "pong" && frame.type !== "error" && frame.type !== "rate_limited") {
      onEvent(frame);
    }
  });
  socket.addEventListener("close", (event) => {
    clearInterval(pingTimer);
    if (leaving) return;
    if (event.code === 4001 || event.code === 4003) {
      // Signed out, revoked or suspended: the sign-in page says what to do.
      setState("offline");
      const here = window.location.pathname;
      window.location.assign(here === "/" ? "/login/" : `/login/?next=${encodeURIComponent(here)}`);
      return;
    }
    setState("offline");
    const delay = Math.min(10000, 500 * 2 ** attempt) * (0.75 + Math.random() * 0.5);
    attempt += 1;
    setTimeout(connect, delay);
  });
  socket.addEventListener("open", () => {
    clearInterval(pingTimer);
    // Idle sockets are closed by the server: a ping keeps this one alive.
    pingTimer = setInterval(() => {
      if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "ping" }));
    }, 25000);
  });
}

function sendFrame(frame) {
  if (socket && socket.readyState === WebSocket.OPEN && !resuming) socket.send(JSON.stringify(frame));
}

// ---------------------------------------------------------------- the composer

let typingSentAt = 0;

function sendTyping(state) {
  if (!roomId) return;
  const now = Date.now();
  if (state === "start" && now - typingSentAt < TYPING_SEND_EVERY_MS) return;
  typingSentAt = state === "start" ? now : 0;
  sendFrame({ type: "typing", room_id: roomId, state });
}

function composerError(text) {
  let error = composer.querySelector(".composer-error");
  if (!error) {
    error = document.createElement("p");
    error.className = "field-error composer-error";
    error.setAttribute("role", "alert");
    composer.append(error);
  }
  error.textContent = text;
  error.hidden = !text;
}

function autosize(textarea) {
  textarea.style.height = "auto";
  textarea.style.height = `${Math.min(textarea.scrollHeight, 192)}px`;
}

function setUpComposer() {
  if (!composer) return;
  const input = composer.querySelector("textarea");
  const clientId = composer.querySelector("input[name=client_id]");
  clientId.value = newClientId();
  input.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
    // With "Enter sends" off in the settings, Ctrl+Enter (or Cmd+Enter) sends.
    if (enterSends || event.ctrlKey || event.metaKey) {
      event.preventDefault();
      composer.requestSubmit();
    }
  });
  input.addEventListener("input", () => {
    autosize(input);
    sendTyping(input.value.trim() ? "start" : "stop");
  });
  input.addEventListener("blur", () => { if (typingSentAt) sendTyping("stop"); });
  composer.addEventListener("submit", async (event) => {
    event.preventDefault();
    const content = input.value;
    if (!content.trim()) return;
    const button = composer.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const message = await api("POST", `rooms/${roomId}/messages`, {
        content, client_id: clientId.value, ...(threadId ? { parent_id: threadId } : {}),
      });
      input.value = "";
      autosize(input);
      clientId.value = newClientId();
      composerError("");
      sendTyping("stop");
      if (belongsHere(message)) addMessage(message, { announce: false });
      scrollToBottom();
    } catch (error) {
      // The text stays in the box: nothing typed is lost.
      const wait = error.retryAfter ? ` Try again in ${error.retryAfter} s.` : "";
      composerError(`${error.message}${wait}`);
    } finally {
      button.disabled = false;
      input.focus();
    }
  });
}

// ---------------------------------------------------------------- message actions

function enableScripted(root) {
  for (const el of root.querySelectorAll(".needs-js")) el.hidden = false;
}

function closePicker() {
  document.querySelector(".reaction-picker")?.remove();
}

function openPicker(el, button) {
  closePicker();
  const picker = document.createElement("div");
  picker.className = "reaction-picker";
  picker.setAttribute("role", "group");
  picker.setAttribute("aria-label", "Pick a reaction");
  for (const emoji of pageData.reactions || []) {
    const choice = document.createElement("button");
    choice.type = "button";
    choice.dataset.pick = emoji;
    choice.textContent = emoji;
    choice.setAttribute("aria-label", emoji);
    picker.append(choice);
  }
  el.append(picker);
  picker.querySelector("button")?.focus();
  picker.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { closePicker(); button.focus(); }
  });
}

async function react(el, emoji) {
  const id = Number(el.dataset.messageId);
  const existing = [...el.querySelectorAll(".reaction")].find((b) => b.dataset.emoji === emoji);
  try {
    if (existing && existing.getAttribute("aria-pressed") === "true") {
      await api("DELETE", `messages/${id}/reactions/${encodeURIComponent(emoji)}`);
    } else {
      await api("POST", `messages/${id}/reactions`, { emoji });
    }
  } catch (error) {
    showNotice(error.message, "error");
  }
}

async function startEdit(el) {
  if (el.querySelector(".message-editor")) return;
  const id = Number(el.dataset.messageId);
  const bodyEl = el.querySelector(".message-body");
  // The source comes from the API (the page has only the html): until it
  // does, the editor shows the text as displayed, read-only.
  const message = { content: bodyEl.innerText.trim() };
  const editor = document.createElement("form");
  editor.className = "message-editor";
  const label = document.createElement("label");
  label.className = "visually-hidden";
  label.htmlFor = `edit-${id}`;
  label.textContent = "Edit message";
  const area = document.createElement("textarea");
  area.id = `edit-${id}`;
  area.value = message.content;
  area.rows = Math.min(8, message.content.split("\n").length + 1);
  const actions = document.createElement("div");
  actions.className = "message-editor-actions";
  const save = document.createElement("button");
  save.type = "submit";
  save.className = "button button-small";
  save.textContent = "Save";
  const cancel = document.createElement("button");
  cancel.type = "button";
  cancel.className = "button-quiet button-small";
  cancel.textContent = "Cancel";
  const error = document.createElement("p");
  error.className = "field-error";
  error.setAttribute("role", "alert");
  actions.append(save, cancel);
  editor.append(label, area, actions, error);
  bodyEl.hidden = true;
  bodyEl.after(editor);
  area.readOnly = true;
  save.disabled = true;
  editor.scrollIntoView({ block: "nearest" });
  area.focus();
  api("GET", `messages/${id}`).then((source) => {
    area.value = source.content;
    area.rows = Math.min(8, source.content.split("\n").length + 1);
    area.readOnly = false;
    save.disabled = false;
    area.focus();
    editor.scrollIntoView({ block: "nearest" });
  }).catch((failure) => { error.textContent = failure.message; });
  const finish = () => { editor.remove(); bodyEl.hidden = false; el.querySelector(".action-edit")?.focus(); };
  cancel.addEventListener("click", finish);
  area.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { event.preventDefault(); finish(); }
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      if (!area.readOnly) editor.requestSubmit();
    }
  });
  editor.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (area.readOnly) return;
    try {
      const updated = await api("PATCH", `messages/${id}`, { content: area.value });
      editor.remove();
      bodyEl.hidden = false;
      updateMessage(el, updated);
    } catch (failure) {
      error.textContent = failure.message;
    }
  });
}

async function deleteMessage(el) {
  // eslint-disable-next-line no-alert
  if (!window.confirm("Delete this message? This cannot be undone.")) return;
  try {
    const id = Number(el.dataset.messageId);
    await api("DELETE", `messages/${id}`);
    updateMessage(el, { deleted: true, reactions: [], reply_count: 0, mentions: [] });
  } catch (error) {
    showNotice(error.message, "error");
  }
}

function setUpActions() {
  if (!log) return;
  document.addEventListener("click", (event) => {
    const target = event.target.closest("button");
    if (!event.target.closest(".reaction-picker")) closePicker();
    if (!target) return;
    const el = target.closest(".message");
    if (!el) return;
    if (target.classList.contains("action-react")) { event.stopPropagation(); openPicker(el, target); }
    else if (target.dataset.pick) { react(el, target.dataset.pick); closePicker(); }
    else if (target.classList.contains("reaction") && pageData.isMember) react(el, target.dataset.emoji);
    else if (target.classList.contains("action-edit")) startEdit(el);
  });
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!form.classList.contains("action-delete-form")) return;
    event.preventDefault();
    deleteMessage(form.closest(".message"));
  });
}

// ---------------------------------------------------------------- older history

let loadingOlder = false;

async function loadOlder() {
  if (loadingOlder || !roomEl || threadId || roomEl.dataset.hasOlder !== "true") return;
  loadingOlder = true;
  try {
    const oldest = roomEl.dataset.oldestId;
    const page = await api("GET", `rooms/${roomId}/messages?before=${oldest}&limit=50`);
    const scroller = scrollBox();
    const fromBottom = scroller.scrollHeight - scroller.scrollTop;
    const fragment = document.createDocumentFragment();
    for (const message of [...page.results].reverse()) {
      if (!messageElement(message.id) && message.parent_id === null) fragment.append(buildMessage(message));
    }
    log.prepend(fragment);
    // Keep what the reader was looking at in place: no jump when history grows above it.
    scroller.scrollTop = scroller.scrollHeight - fromBottom;
    if (page.results.length) roomEl.dataset.oldestId = page.results[page.results.length - 1].id;
    roomEl.dataset.hasOlder = page.next ? "true" : "false";
    if (!page.next) document.querySelector(".history-older")?.remove();
  } catch (error) {
    showNotice(error.message, "error");
  } finally {
    loadingOlder = false;
  }
}

function setUpHistory() {
  for (const time of document.querySelectorAll("main time[datetime]")) showTime(time);
  if (!log) return;
  enableScripted(log);
  let target = null;
  try {
    // By id, not as a selector: "#1" or "#'" from a pasted link is not a valid selector.
    target = document.getElementById(decodeURIComponent(window.location.hash.slice(1)));
  } catch { target = null; }
  if (target) target.scrollIntoView({ block: "center" });
  else scrollToBottom();
  const older = document.getElementById("older-link");
  older?.addEventListener("click", (event) => { event.preventDefault(); loadOlder(); });
  const onScroll = () => {
    if (scrollBox().scrollTop < 200) loadOlder();
    markRead();
  };
  historyBox.addEventListener("scroll", onScroll, { passive: true });
  window.addEventListener("scroll", onScroll, { passive: true });
}

// ---------------------------------------------------------------- start

// A tab left in the background for a while shows its user as away.
let awayTimer = null;
let away = false;
document.addEventListener("visibilitychange", () => {
  clearTimeout(awayTimer);
  if (document.visibilityState === "visible") {
    if (away) { away = false; sendFrame({ type: "presence", status: "online" }); }
    markRead();
  } else {
    awayTimer = setTimeout(() => { away = true; sendFrame({ type: "presence", status: "away" }); },
      AWAY_AFTER_HIDDEN_MS);
  }
});
// Settings: a picture uploads as soon as it is chosen (its form is apart from
// the profile's, and "Save profile" would leave it behind).
for (const input of document.querySelectorAll('form input[type="file"][accept^="image/"]')) {
  input.addEventListener("change", () => { if (input.files.length) input.form.requestSubmit(); });
}
setUpHistory();
setUpComposer();
setUpActions();
updateTitle();
connect();
