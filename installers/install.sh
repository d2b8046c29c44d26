#!/bin/sh
# baitwatch installer for Linux and macOS. Needs no root.
#
#   installers/install.sh                       install, or upgrade in place; start at login; start now
#   installers/install.sh --uninstall           stop and remove what was installed, keeping your
#                                               settings, allowlist and feedback
#   installers/install.sh --uninstall --purge   ... and remove those too
#
# Environment: PYTHON (default python3), BAITWATCH_DATA_DIR and BAITWATCH_CONFIG_DIR (where
# baitwatch keeps its files), XDG_BIN_HOME (where the baitwatch command is linked; default
# ~/.local/bin), BAITWATCH_AUTOSTART_DIR (write the unit or agent there and do not touch the
# service manager; for tests).
set -eu

REPO=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-python3}
UNINSTALL=0
PURGE=0
for argument in "$@"; do
  case "$argument" in
    --uninstall) UNINSTALL=1 ;;
    --purge) PURGE=1 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $argument (try --help)" >&2; exit 2 ;;
  esac
done
if [ "$PURGE" = 1 ] && [ "$UNINSTALL" = 0 ]; then
  echo "install.sh: --purge goes with --uninstall" >&2
  exit 2
fi

# The same folders platformdirs gives the daemon.
case "$(uname -s)" in
  Darwin)
    KIND=launchd
    DEFAULT_DATA="$HOME/Library/Application Support/baitwatch"
    DEFAULT_CONFIG="$DEFAULT_DATA" ;;
  *)
    KIND=systemd
    DEFAULT_DATA="${XDG_DATA_HOME:-$HOME/.local/share}/baitwatch"
    DEFAULT_CONFIG="${XDG_CONFIG_HOME:-$HOME/.config}/baitwatch" ;;
esac
DATA=${BAITWATCH_DATA_DIR:-$DEFAULT_DATA}
CONFIG=${BAITWATCH_CONFIG_DIR:-$DEFAULT_CONFIG}
VENV="$DATA/venv"
BAITWATCH="$VENV/bin/baitwatch"
PID_FILE="$DATA/daemon.pid"
BIN_DIR=${XDG_BIN_HOME:-$HOME/.local/bin}
LINK="$BIN_DIR/baitwatch"
AUTOSTART_DIR=${BAITWATCH_AUTOSTART_DIR:-}
if [ -n "$AUTOSTART_DIR" ]; then
  DIR_OPTION="--dir $AUTOSTART_DIR"
else
  DIR_OPTION=""
fi

say() { printf 'baitwatch: %s\n' "$*"; }

# A service manager we may drive: not when the autostart files go to a test folder.
have_systemd_user() {
  [ -z "$AUTOSTART_DIR" ] && [ "$KIND" = systemd ] && systemctl --user show-environment >/dev/null 2>&1
}
have_launchd() {
  [ -z "$AUTOSTART_DIR" ] && [ "$KIND" = launchd ]
}

stop_daemon() {
  if have_systemd_user; then
    systemctl --user disable --now baitwatch.service >/dev/null 2>&1 || true
  elif have_launchd; then
    launchctl bootout "gui/$(id -u)/org.baitwatch.daemon" >/dev/null 2>&1 || true
  fi
  if [ -f "$PID_FILE" ]; then
    kill "$(cat "$PID_FILE")" 2>/dev/null || true
    rm -f "$PID_FILE"
  fi
}

start_daemon() {
  if have_systemd_user; then
    systemctl --user daemon-reload
    systemctl --user enable baitwatch.service >/dev/null 2>&1
    systemctl --user restart baitwatch.service
  elif have_launchd; then
    launchctl bootout "gui/$(id -u)/org.baitwatch.daemon" >/dev/null 2>&1 || true
    launchctl bootstrap "gui/$(id -u)" "$AUTOSTART_FILE"
  else
    nohup "$BAITWATCH" serve >"$DATA/daemon.log" 2>&1 &
    echo $! >"$PID_FILE"
  fi
}

# One sentence for what happens at the next login, by situation.
tell_autostart() {
  if have_systemd_user; then
    say "it starts at every login (systemd user unit $AUTOSTART_FILE)"
  elif have_launchd; then
    say "it starts at every login (LaunchAgent $AUTOSTART_FILE)"
  elif [ -n "$AUTOSTART_DIR" ]; then
    say "wrote $AUTOSTART_FILE without registering it; the daemon runs in the background for now"
  else
    say "no systemd user session here (a container?), so it cannot start by itself at login; it runs now in the background."
    say "after a restart, start it with: nohup $LINK serve >\"$DATA/daemon.log\" 2>&1 &"
  fi
}

# The command on PATH, as command-line tools install themselves: a link in ~/.local/bin.
link_command() {
  mkdir -p "$BIN_DIR"
  ln -sf "$BAITWATCH" "$LINK"
  say "linked the baitwatch command: $LINK"
  case ":$PATH:" in
    *":$BIN_DIR:"*) ;;
    *) say "$BIN_DIR is not on this shell's PATH: a new login adds it where ~/.profile does (Debian, Ubuntu); elsewhere add it (export PATH=\"$BIN_DIR:\$PATH\" in ~/.profile) or run $LINK" ;;
  esac
}

if [ "$UNINSTALL" = 1 ]; then
  stop_daemon
  if [ -x "$BAITWATCH" ]; then
    # shellcheck disable=SC2086
    "$BAITWATCH" autostart remove --kind "$KIND" $DIR_OPTION
  fi
  if have_systemd_user; then systemctl --user daemon-reload; fi
  if [ -L "$LINK" ] && [ "$(readlink "$LINK")" = "$BAITWATCH" ]; then rm -f "$LINK"; fi
  rm -rf "$VENV" "$DATA/daemon.log" "$DATA/extension"
  if [ "$PURGE" = 1 ]; then
    rm -rf "$DATA" "$CONFIG"
    say "removed baitwatch and all its data"
  else
    rmdir "$DATA" 2>/dev/null || true
    say "removed baitwatch; your settings, allowlist and feedback are still in $DATA"
  fi
  exit 0
fi

"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' || {
  echo "install.sh: baitwatch needs Python 3.10 or newer ($PYTHON is older)" >&2
  exit 1
}
mkdir -p "$DATA"
if [ -x "$BAITWATCH" ]; then
  say "upgrading the installation in $VENV"
  stop_daemon
else
  say "installing into $VENV"
  "$PYTHON" -m venv "$VENV"
fi
# -qq: pip's errors still show; its notes about this machine's package indexes do not.
"$VENV/bin/python" -m pip install -qq --upgrade pip
"$VENV/bin/python" -m pip install -qq --upgrade "$REPO[tray]"
# shellcheck disable=SC2086
AUTOSTART_FILE=$("$BAITWATCH" autostart install --kind "$KIND" $DIR_OPTION)
link_command
start_daemon

tries=0
until "$BAITWATCH" status >/dev/null 2>&1; do
  tries=$((tries + 1))
  if [ "$tries" -ge 60 ]; then
    echo "install.sh: the daemon did not answer; see $DATA/daemon.log or journalctl --user -u baitwatch" >&2
    exit 1
  fi
  sleep 0.5
done
"$BAITWATCH" status
tell_autostart

# The browser extension, ready to load, in the data folder: its build needs Node.js 20+ and
# no npm package.
if node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' 2>/dev/null; then
  node "$REPO/extension/build.mjs" --out "$DATA/extension" >/dev/null
  LOAD_STEP=$("$BAITWATCH" extension)
else
  LOAD_STEP="Node.js 20 or newer is needed to build it (https://nodejs.org/): install it and run this installer
again; then  baitwatch extension  says where the extension is."
fi

cat <<EOF

baitwatch is running and protects this computer once the browser extension is loaded:
$LOAD_STEP
Then pair it: run  baitwatch pair  (or use the tray icon) and type the code into the extension's popup.
EOF
