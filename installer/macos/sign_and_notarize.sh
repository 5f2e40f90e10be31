#!/usr/bin/env bash
# Sign, notarize and staple the dmg (macOS). Skips cleanly (exit 0) when no signing identity is configured.
#
# Environment (GitHub secrets in .github/workflows/release.yml):
#   CLIPROXYAPI_CODESIGN_IDENTITY  "Developer ID Application: NAME (TEAMID)"; also read by the PyInstaller
#                                  spec, which signs every binary and the .app with the hardened runtime
#   APPLE_ID, APPLE_TEAM_ID, APPLE_APP_PASSWORD   notarytool credentials (an app-specific password)
# Usage: installer/macos/sign_and_notarize.sh dist/CLIProxyAPI.app dist/CLIProxyAPI-<version>-macos-<arch>.dmg
set -euo pipefail
app="${1:?usage: sign_and_notarize.sh APP DMG}"
dmg="${2:?usage: sign_and_notarize.sh APP DMG}"
identity="${CLIPROXYAPI_CODESIGN_IDENTITY:-}"

if [ -z "$identity" ]; then
    echo "sign_and_notarize: no CLIPROXYAPI_CODESIGN_IDENTITY: the build is ad-hoc signed; skipping signing and notarization."
    exit 0
fi
if [ "$(uname -s)" != "Darwin" ]; then
    echo "sign_and_notarize: needs macOS (codesign, notarytool, stapler)." >&2
    exit 1
fi

# 1. PyInstaller signed the .app with the identity (spec: codesign_identity + entitlements); verify it.
codesign --verify --strict --deep --verbose=2 "$app"

# 2. Sign the dmg itself.
codesign --force --timestamp --sign "$identity" "$dmg"

# 3. Notarize (waits for Apple's verdict) and staple the ticket to the dmg.
if [ -z "${APPLE_ID:-}" ] || [ -z "${APPLE_TEAM_ID:-}" ] || [ -z "${APPLE_APP_PASSWORD:-}" ]; then
    echo "sign_and_notarize: signed, but APPLE_ID / APPLE_TEAM_ID / APPLE_APP_PASSWORD are not set: not notarized."
    exit 0
fi
xcrun notarytool submit "$dmg" --apple-id "$APPLE_ID" --team-id "$APPLE_TEAM_ID" \
    --password "$APPLE_APP_PASSWORD" --wait
xcrun stapler staple "$dmg"
xcrun stapler validate "$dmg"
spctl --assess --type open --context context:primary-signature --verbose=2 "$dmg" || true
echo "sign_and_notarize: $dmg is signed, notarized and stapled."
