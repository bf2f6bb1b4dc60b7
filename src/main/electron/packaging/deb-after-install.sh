#!/bin/bash
# deb postinst for the Tillstream register (electron-builder afterInstall; ${...} are
# electron-builder macros, shell variables are written as $VAR without braces on purpose).

# --- what electron-builder's default after-install does ---
if type update-alternatives >/dev/null 2>&1; then
    if [ -L '/usr/bin/${executable}' -a -e '/usr/bin/${executable}' -a "`readlink '/usr/bin/${executable}'`" != '/etc/alternatives/${executable}' ]; then
        rm -f '/usr/bin/${executable}'
    fi
    update-alternatives --install '/usr/bin/${executable}' '${executable}' '/opt/${sanitizedProductName}/${executable}' 100 || ln -sf '/opt/${sanitizedProductName}/${executable}' '/usr/bin/${executable}'
else
    ln -sf '/opt/${sanitizedProductName}/${executable}' '/usr/bin/${executable}'
fi

if ! { [[ -L /proc/self/ns/user ]] && unshare --user true; }; then
    chmod 4755 '/opt/${sanitizedProductName}/chrome-sandbox' || true
else
    chmod 0755 '/opt/${sanitizedProductName}/chrome-sandbox' || true
fi

if hash update-desktop-database 2>/dev/null; then
    update-desktop-database /usr/share/applications || true
fi

if apparmor_status --enabled > /dev/null 2>&1; then
  APPARMOR_PROFILE_SOURCE='/opt/${sanitizedProductName}/resources/apparmor-profile'
  APPARMOR_PROFILE_TARGET='/etc/apparmor.d/${executable}'
  if [ -f "$APPARMOR_PROFILE_SOURCE" ] && apparmor_parser --skip-kernel-load --debug "$APPARMOR_PROFILE_SOURCE" > /dev/null 2>&1; then
    cp -f "$APPARMOR_PROFILE_SOURCE" "$APPARMOR_PROFILE_TARGET"
    if ! { [ -x '/usr/bin/ischroot' ] && /usr/bin/ischroot; } && hash apparmor_parser 2>/dev/null; then
      apparmor_parser --replace --write-cache --skip-read-cache "$APPARMOR_PROFILE_TARGET" || true
    fi
  fi
fi

# --- Tillstream: device access for the cashier session ---
RULES_SOURCE='/opt/${sanitizedProductName}/resources/udev/60-tillstream.rules'
RULES_TARGET='/usr/lib/udev/rules.d/60-tillstream.rules'
if [ -f "$RULES_SOURCE" ]; then
  mkdir -p /usr/lib/udev/rules.d
  install -m 0644 "$RULES_SOURCE" "$RULES_TARGET"
  if hash udevadm 2>/dev/null; then
    udevadm control --reload-rules || true
    udevadm trigger --subsystem-match=usb --subsystem-match=tty --subsystem-match=hidraw || true
  fi
fi

getent group plugdev >/dev/null 2>&1 || groupadd --system plugdev || true
getent group dialout >/dev/null 2>&1 || groupadd --system dialout || true

add_user() {
  local u="$1"
  [ -n "$u" ] && [ "$u" != "root" ] && id "$u" >/dev/null 2>&1 || return 0
  usermod -aG plugdev,dialout "$u" && echo "Tillstream: added $u to plugdev and dialout (log out and in again)"
}
# The user who ran the install (sudo apt install / pkexec) ...
add_user "$SUDO_USER"
if [ -n "$PKEXEC_UID" ]; then add_user "$(getent passwd "$PKEXEC_UID" | cut -d: -f1)"; fi
# ... and the register accounts store IT lists (one user name per line).
if [ -f /etc/tillstream/register-users ]; then
  while read -r u; do
    case "$u" in ''|'#'*) continue ;; esac
    add_user "$u"
  done < /etc/tillstream/register-users
fi

exit 0
