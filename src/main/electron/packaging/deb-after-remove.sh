#!/bin/bash
# deb postrm for the Tillstream register (electron-builder afterRemove). Group memberships are
# left as they are (other software may rely on dialout/plugdev).

if type update-alternatives >/dev/null 2>&1; then
    update-alternatives --remove '${executable}' '/opt/${sanitizedProductName}/${executable}' || true
else
    rm -f '/usr/bin/${executable}'
fi

APPARMOR_PROFILE_DEST='/etc/apparmor.d/${executable}'
if [ -f "$APPARMOR_PROFILE_DEST" ]; then
  if apparmor_status --enabled > /dev/null 2>&1; then
    if ! { [ -x '/usr/bin/ischroot' ] && /usr/bin/ischroot; } && hash apparmor_parser 2>/dev/null; then
      apparmor_parser --remove "$APPARMOR_PROFILE_DEST" || true
    fi
  fi
  rm -f "$APPARMOR_PROFILE_DEST"
fi

if [ "$1" = "remove" ] || [ "$1" = "purge" ]; then
  rm -f /usr/lib/udev/rules.d/60-tillstream.rules
  if hash udevadm 2>/dev/null; then udevadm control --reload-rules || true; fi
fi

exit 0
