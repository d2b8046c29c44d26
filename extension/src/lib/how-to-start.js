// What the popup and the notification say to do when the daemon is not running. The
// installer starts it now and registers it to start at login; `baitwatch serve` runs it by hand.
export const HOW_TO_START =
  "Start it with the command baitwatch serve, or run the baitwatch installer again (it starts the service now and at every login).";
