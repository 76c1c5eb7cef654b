// The live connection to /v1/stream. EventSource reconnects by itself after a dropped
// connection; when the browser gives up (the server answered with an error), we start a new one
// with a growing delay. Status changes are reported so the page can show them.

const MAX_DELAY_MS = 30000;

export class LiveStream {
  /**
   * @param {string} url
   * @param {{onEvent: (type: string, data: object) => void,
   *          onStatus: (status: "connecting"|"live"|"reconnecting") => void,
   *          onOpen: (reopened: boolean) => void}} handlers  onOpen fires on every (re)connection.
   */
  constructor(url, handlers) {
    this.url = url;
    this.handlers = handlers;
    this.source = null;
    this.status = "connecting";
    this.hasBeenLive = false;
    this.retryDelay = 1000;
    this.retryTimer = null;
  }

  start() {
    this.open();
  }

  open() {
    this.setStatus(this.hasBeenLive ? "reconnecting" : "connecting");
    const source = new EventSource(this.url);
    this.source = source;
    source.addEventListener("open", () => {
      this.retryDelay = 1000;
      const reopened = this.hasBeenLive;
      this.hasBeenLive = true;
      this.setStatus("live");
      this.handlers.onOpen(reopened);
    });
    source.addEventListener("error", () => {
      if (source.readyState === EventSource.CLOSED) {
        // The browser will not retry (e.g. HTTP error status): schedule our own attempt.
        source.close();
        this.setStatus("reconnecting");
        this.scheduleRetry();
      } else {
        this.setStatus("reconnecting");
      }
    });
    // EventSource reconnects with the last `id:` it saw (Last-Event-ID): the server replays what
    // was missed, or sends `reset` when that is no longer in its history.
    for (const type of ["opportunity", "match", "poll", "reset"]) {
      source.addEventListener(type, (ev) => {
        let data;
        try {
          data = JSON.parse(ev.data);
        } catch {
          return; // a malformed message is skipped; the next resync repairs any gap
        }
        this.handlers.onEvent(type, data);
      });
    }
  }

  /** Reconnect now unless connected (e.g. the API just came back while we were backing off). */
  reconnectNow() {
    if (this.source && this.source.readyState === EventSource.OPEN) return;
    clearTimeout(this.retryTimer);
    if (this.source) this.source.close();
    this.retryDelay = 1000;
    this.open();
  }

  scheduleRetry() {
    clearTimeout(this.retryTimer);
    const delay = this.retryDelay;
    this.retryDelay = Math.min(MAX_DELAY_MS, this.retryDelay * 2);
    this.retryTimer = setTimeout(() => this.open(), delay);
  }

  setStatus(status) {
    if (status === this.status && status !== "reconnecting") return;
    this.status = status;
    this.handlers.onStatus(status);
  }

  /** True while events are flowing. */
  get live() {
    return this.status === "live";
  }
}
