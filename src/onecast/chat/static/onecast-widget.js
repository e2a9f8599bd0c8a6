/* Onecast web chat widget: a visitor talks to a chat team from any page.
 *
 *   <script src="https://onecast.example/chat/widget/onecast-client.js"></script>
 *   <script src="https://onecast.example/chat/widget/onecast-widget.js"
 *           data-api-space-id="..." data-team="Support Team" data-title="Chat with us"></script>
 *
 * The visitor gets an anonymous session (its id kept in localStorage); its messages go to the
 * conversation `{Team_Name}_{profileId}`, which opens a chat in the team's inbox; agents'
 * answers arrive over the socket.
 */
(function () {
  "use strict";
  const script = document.currentScript;

  const CSS = `
  .onecast-widget{position:fixed;right:16px;bottom:16px;width:320px;font:14px system-ui,sans-serif;
    box-shadow:0 4px 16px rgba(0,0,0,.2);border-radius:8px;background:#fff;display:flex;flex-direction:column;
    max-height:460px;z-index:2147483000}
  .onecast-widget header{background:#2452a4;color:#fff;padding:10px 12px;border-radius:8px 8px 0 0;font-weight:600}
  .onecast-widget ol{list-style:none;margin:0;padding:8px;overflow-y:auto;flex:1;min-height:200px}
  .onecast-widget li{margin:4px 0;padding:6px 10px;border-radius:12px;max-width:80%;word-wrap:break-word}
  .onecast-widget li.mine{background:#2452a4;color:#fff;margin-left:auto}
  .onecast-widget li.theirs{background:#eef1f6}
  .onecast-widget li .who{display:block;font-size:11px;opacity:.7}
  .onecast-widget .typing{font-size:12px;color:#666;padding:0 10px;min-height:16px}
  .onecast-widget form{display:flex;border-top:1px solid #ddd}
  .onecast-widget input{flex:1;border:0;padding:10px;font:inherit;outline:none}
  .onecast-widget button{border:0;background:none;color:#2452a4;font-weight:600;padding:0 12px;cursor:pointer}`;

  function element(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.assign(node, attrs || {});
    for (const child of children || []) node.append(child);
    return node;
  }

  function randomId() {
    return (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2));
  }

  async function mount(options) {
    const baseUrl = options.baseUrl || new URL(script ? script.src : location.href).origin;
    const client = new OnecastClient({baseUrl, apiSpaceId: options.apiSpaceId});
    const storageKey = "onecast-visitor-" + options.apiSpaceId;
    let visitorId = localStorage.getItem(storageKey);
    if (!visitorId) {
      visitorId = randomId();
      localStorage.setItem(storageKey, visitorId);
    }

    document.head.append(element("style", {textContent: CSS}));
    const list = element("ol", {className: "onecast-messages"});
    const typing = element("div", {className: "typing"});
    const input = element("input", {placeholder: "Write a message…", name: "message", autocomplete: "off"});
    const form = element("form", {}, [input, element("button", {type: "submit", textContent: "Send"})]);
    const root = element("section", {className: "onecast-widget"},
      [element("header", {textContent: options.title || "Chat with us"}), list, typing, form]);
    (options.container || document.body).append(root);

    await client.startAnonymousSession(visitorId);
    const conversationId = options.team.replace(/ /g, "_") + "_" + client.profileId.replace(/ /g, "_");
    await client.ensureConversation(conversationId, options.team);
    const shown = new Set();

    function show(messageId, from, text) {
      if (shown.has(messageId)) return;
      shown.add(messageId);
      const mine = from.id === client.profileId;
      const item = element("li", {className: mine ? "mine" : "theirs"},
        [element("span", {className: "who", textContent: mine ? "You" : (from.name || from.id)}), text]);
      item.dataset.messageId = messageId;
      list.append(item);
      list.scrollTop = list.scrollHeight;
      if (!mine) client.markRead(conversationId, [messageId]).catch(() => {});
    }

    const textOf = (parts) => (parts || []).filter((p) => !p.type || p.type === "text/plain")
      .map((p) => p.data || "").join("\n");

    client.on("conversationMessage.sent", (event) => {
      if (event.conversationId !== conversationId) return;
      typing.textContent = "";
      show(event.payload.messageId, event.payload.context.from, textOf(event.payload.parts));
    });
    client.on("conversation.participantTyping", (event) => {
      if (event.conversationId === conversationId) typing.textContent = "Typing…";
    });
    client.on("conversation.participantTypingOff", (event) => {
      if (event.conversationId === conversationId) typing.textContent = "";
    });
    await client.connect();

    const history = await client.getMessages(conversationId, null, 50);
    for (const message of history.messages.slice().reverse()) {
      show(message.id, message.context.from, textOf(message.parts));
    }

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      input.value = "";
      const sent = await client.sendMessage(conversationId, text);
      show(sent.id, {id: client.profileId}, text);
    });
    root.dataset.ready = "true";
    return {client, conversationId, root};
  }

  window.OnecastWidget = {mount};
  if (script && script.dataset.apiSpaceId) {
    const start = () => mount({apiSpaceId: script.dataset.apiSpaceId, team: script.dataset.team || "Support",
                               title: script.dataset.title}).catch((error) => console.error("Onecast widget", error));
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
    else start();
  }
})();
