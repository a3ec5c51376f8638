#!/usr/bin/env bash
# Installs Haven so that it runs from wherever it is installed:
#   PREFIX/bin/haven                      the binary
#   PREFIX/share/haven/ConsoleTemplates   the console's pages
#   PREFIX/share/haven/StaticSite         the website
# `haven serve` finds the two folders beside its binary (BINARY/../share/haven), whatever the
# current folder; HAVEN_CONSOLE_DIR and HAVEN_SITE_DIR still name others. Run it again after every
# upgrade: the pages and the binary go together. The landlord's own details live in the file
# `haven setup` writes (HAVEN_LANDLORD_FILE), never in PREFIX, so an upgrade keeps them.
#
#   scripts/install.sh [PREFIX]          default /usr/local; builds the release binary first if missing
#   scripts/install.sh PREFIX BINARY     installs a binary built elsewhere
#
# The binary uses the Swift runtime of the toolchain it was built with: install on the machine that
# built it, or build with `swift build -c release --static-swift-stdlib` for another machine.
set -euo pipefail
prefix="$(realpath -m "${1:-/usr/local}")"
binary="${2:+$(realpath -m "$2")}"
cd "$(dirname "$0")/.."
binary="${binary:-.build/release/haven}"
if [ -n "${2:-}" ] && [ ! -x "$binary" ]; then
    echo "no haven binary at $2" >&2
    exit 1
elif [ ! -x "$binary" ]; then
    echo "building the release binary first: about 15 to 17 minutes on two cores the first time" >&2
    swift build -c release --product haven
fi
share="$prefix/share/haven"
install -d -m 0755 "$prefix/bin" "$share"
install -m 0755 "$binary" "$prefix/bin/haven"
for folder in ConsoleTemplates StaticSite; do
    # Replaced whole, so a page removed from Haven does not linger from an older version.
    rm -rf "$share/$folder.new"
    cp -R "$folder" "$share/$folder.new"
    chmod -R u=rwX,go=rX "$share/$folder.new"
    rm -rf "$share/$folder"
    mv "$share/$folder.new" "$share/$folder"
done
echo "installed $prefix/bin/haven, with $share/ConsoleTemplates and $share/StaticSite"
