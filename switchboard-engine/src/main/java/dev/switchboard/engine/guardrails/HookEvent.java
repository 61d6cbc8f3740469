package dev.switchboard.engine.guardrails;

/** When a hook runs: on the request before any provider call, or on the answer. */
enum HookEvent {
  BEFORE_REQUEST("beforeRequestHook"),
  AFTER_REQUEST("afterRequestHook");

  private final String portkeyName;

  HookEvent(String portkeyName) {
    this.portkeyName = portkeyName;
  }

  /** Portkey's name for the event, as its plugins and webhooks see it. */
  public String portkeyName() {
    return portkeyName;
  }
}
