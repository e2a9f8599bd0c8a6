// The agent inbox, live: the app-user WebSocket of the logged-in agent; each conversation or chat
// event makes htmx reload the fragments that show it (the chat's header and messages, or the list).
(function () {
  const target = document.querySelector("[data-socket]");
  if (!target || !target.dataset.socket) return;
  const conversation = target.dataset.conversationId;
  let socket = null;
  let delay = 1000;
  function refresh() {
    const parts = document.querySelectorAll("[data-live-part]");
    (parts.length ? parts : [target]).forEach(function (part) { htmx.trigger(part, "refresh"); });
  }
  function connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(scheme + "//" + location.host + target.dataset.socket);
    socket.onopen = function () {  // catch up on anything sent while the socket was down
      delay = 1000;
      target.dataset.live = "yes";
      refresh();
    };
    socket.onmessage = function (message) {
      const event = JSON.parse(message.data);
      if (!event.name || !(event.name.startsWith("conversation") || event.name.startsWith("chat."))) return;
      if (conversation && event.conversationId && event.conversationId !== conversation) return;
      refresh();
    };
    socket.onclose = function () {
      target.dataset.live = "no";
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }
  setInterval(function () {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({name: "echo"}));
  }, 25000);
  connect();
})();
