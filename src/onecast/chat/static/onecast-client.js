/* Onecast app-messaging client: sessions, conversations and the event socket.
 *
 *   const client = new OnecastClient({baseUrl: "https://onecast.example", apiSpaceId: "..."});
 *   await client.startAnonymousSession("visitor-42");          // or startSession(nonce => myBackend.jwt(nonce))
 *   client.on("conversationMessage.sent", event => ...);
 *   await client.connect();
 *   await client.sendMessage("Support_Team_anon_visitor-42", "Hello");
 */
(function (global) {
  "use strict";

  class OnecastError extends Error {
    constructor(status, problem) {
      super((problem && (problem.detail || problem.title)) || ("HTTP " + status));
      this.status = status;
      this.problem = problem;
    }
  }

  class OnecastClient {
    constructor(options) {
      this.baseUrl = (options.baseUrl || "").replace(/\/$/, "");
      this.apiSpaceId = options.apiSpaceId;
      this.token = null;
      this.session = null;
      this.handlers = {};
      this.socket = null;
      this.closed = false;
      this.retries = 0;
    }

    url(path) {
      return this.baseUrl + "/apispaces/" + encodeURIComponent(this.apiSpaceId) + path;
    }

    async request(method, path, body) {
      const headers = {"Accept": "application/json"};
      if (this.token) headers["Authorization"] = "Bearer " + this.token;
      if (body !== undefined) headers["Content-Type"] = "application/json";
      const response = await fetch(this.url(path), {method, headers,
        body: body === undefined ? undefined : JSON.stringify(body)});
      const text = await response.text();
      const data = text ? JSON.parse(text) : null;
      if (!response.ok) throw new OnecastError(response.status, data);
      return data;
    }

    /* getToken(nonce) returns the JWT the app's backend signed for this user and nonce. */
    async startSession(getToken, device) {
      this.token = null;
      const challenge = await this.request("GET", "/sessions/start");
      const jwt = await getToken(challenge.nonce);
      const started = await this.request("POST", "/sessions", Object.assign({
        authenticationId: challenge.authenticationId, authenticationToken: jwt,
        platform: "javascript", sdkType: "native", sdkVersion: "onecast-client/1"}, device || {}));
      this.token = started.token;
      this.session = started.session;
      return started.session;
    }

    startAnonymousSession(id) {
      return this.startSession(async (nonce) => {
        const query = "?id=" + encodeURIComponent(id) + "&nonce=" + encodeURIComponent(nonce);
        return (await this.request("GET", "/sessions/tokens/anon" + query)).token;
      });
    }

    get profileId() {
      return this.session ? this.session.profileId : null;
    }

    async endSession() {
      if (this.session) await this.request("DELETE", "/sessions/" + encodeURIComponent(this.session.id));
      this.disconnect();
      this.token = this.session = null;
    }

    /* Create the conversation unless it exists (409). */
    async ensureConversation(id, name, roles) {
      const all = {canSend: true, canAddParticipants: true, canRemoveParticipants: true};
      const body = {id, name: name || id, isPublic: false,
        roles: roles || {owner: all, participant: {canSend: true, canAddParticipants: false,
                                                   canRemoveParticipants: false}}};
      try {
        return await this.request("POST", "/conversations", body);
      } catch (error) {
        if (error.status !== 409) throw error;
        return this.request("GET", "/conversations/" + encodeURIComponent(id));
      }
    }

    sendMessage(conversationId, text, metadata) {
      return this.request("POST", "/conversations/" + encodeURIComponent(conversationId) + "/messages",
        {parts: [{type: "text/plain", data: text, size: new TextEncoder().encode(text).length}],
         metadata: metadata || {}});
    }

    /* Newest first, up to `limit`, from event `from` backwards (default: the newest). */
    getMessages(conversationId, from, limit) {
      const query = "?limit=" + (limit || 100) + (from === undefined || from === null ? "" : "&from=" + from);
      return this.request("GET", "/conversations/" + encodeURIComponent(conversationId) + "/messages" + query);
    }

    markRead(conversationId, messageIds) {
      if (!messageIds.length) return Promise.resolve();
      return this.request("POST", "/conversations/" + encodeURIComponent(conversationId) +
        "/messages/statusupdates", [{messageIds, status: "read", timestamp: new Date().toISOString()}]);
    }

    typing(conversationId, isTyping) {
      return this.request(isTyping ? "POST" : "DELETE",
        "/conversations/" + encodeURIComponent(conversationId) + "/typing");
    }

    on(name, handler) {
      (this.handlers[name] = this.handlers[name] || []).push(handler);
      return this;
    }

    emit(name, event) {
      for (const handler of (this.handlers[name] || []).concat(this.handlers["*"] || [])) {
        try { handler(event); } catch (error) { console.error(error); }
      }
    }

    /* Resolves once the server said socket.info; reconnects with random back-off (max 30 s). */
    connect() {
      this.closed = false;
      const wsUrl = this.url("/socket?token=" + encodeURIComponent(this.token)).replace(/^http/, "ws");
      return new Promise((resolve, reject) => {
        const socket = new WebSocket(wsUrl);
        this.socket = socket;
        let ready = false;
        socket.onmessage = (message) => {
          const event = JSON.parse(message.data);
          if (event.name === "socket.info" && !ready) {
            ready = true;
            this.retries = 0;
            resolve(event);
          }
          this.emit(event.name, event);
        };
        socket.onclose = () => {
          clearInterval(this.keepalive);
          if (!ready) reject(new OnecastError(0, {detail: "The socket was refused"}));
          this.emit("socket.closed", {});
          if (!this.closed && ready) {
            const delay = Math.min(30000, 1000 * Math.pow(2, this.retries++)) * Math.random();
            setTimeout(() => this.connect().catch(() => {}), delay);
          }
        };
        this.keepalive = setInterval(() => {
          if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({name: "echo"}));
        }, 60000);
      });
    }

    disconnect() {
      this.closed = true;
      clearInterval(this.keepalive);
      if (this.socket) this.socket.close();
      this.socket = null;
    }
  }

  global.OnecastClient = OnecastClient;
  global.OnecastError = OnecastError;
})(typeof window !== "undefined" ? window : globalThis);
