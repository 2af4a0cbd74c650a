#!/usr/bin/env bash
# Make sure a system command is present; install its Debian package when we are allowed to.
# usage: need-system-package.sh COMMAND DEBIAN_PACKAGE [BREW_PACKAGE]
# Exit 0 when COMMAND is on PATH afterwards; otherwise print the one command the user should run, exit 1.
set -euo pipefail
cmd=$1 deb=$2 brew=${3:-$2}
command -v "$cmd" >/dev/null 2>&1 && exit 0

apt_install() {
    # apt-get update once per make run is enough; the marker lives as long as this machine boot.
    local marker=/tmp/.slicelab-apt-updated
    if [ ! -f "$marker" ]; then "$@" apt-get update -qq && touch "$marker"; fi
    DEBIAN_FRONTEND=noninteractive "$@" apt-get install -y -qq --no-install-recommends "$deb"
}

if command -v apt-get >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        echo ">> installing Debian package '$deb' (for '$cmd')"; apt_install env
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        echo ">> installing Debian package '$deb' (for '$cmd') with sudo"; apt_install sudo env
    fi
fi
command -v "$cmd" >/dev/null 2>&1 && exit 0

case "$(uname -s)" in
    Darwin) hint="brew install $brew" ;;
    *) if command -v apt-get >/dev/null 2>&1; then hint="sudo apt-get install $deb"
       elif command -v dnf >/dev/null 2>&1; then hint="sudo dnf install $deb"
       elif command -v pacman >/dev/null 2>&1; then hint="sudo pacman -S $deb"
       else hint="conda install -c conda-forge $brew"; fi ;;
esac
echo "error: '$cmd' is not installed and I may not install it here. Run:  $hint" >&2
exit 1
