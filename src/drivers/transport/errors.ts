// Errors every transport throws, with a stable `code` and, for permission problems, a hint
// naming the udev rule or group that is missing (store IT reads these in `tillstream devices`).

export type TransportErrorCode =
  | 'CANCELED' // close() while a write or open was pending
  | 'NOT_OPEN' // write after close or after the link dropped
  | 'NOT_FOUND' // no such port / device
  | 'ACCESS' // permission denied (EACCES, LIBUSB_ERROR_ACCESS)
  | 'BUSY' // in use by another process / kernel driver, or the write queue is full
  | 'TIMEOUT'
  | 'DISCONNECTED'
  | 'IO';

export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(
    readonly code: TransportErrorCode,
    message: string,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(hint ? `${message} — ${hint}` : message, options);
  }
}

export const UDEV_RULES_FILE = 'resources/udev/60-tillstream.rules';

/** Maps an OS / libusb error into a TransportError with an actionable hint. */
export function classifyOpenError(err: unknown, where: string, kind: 'serial' | 'usb' | 'hid' | 'tcp'): TransportError {
  if (err instanceof TransportError) return err;
  const e = err as { code?: string; message?: string; errno?: number } | undefined;
  const msg = String(e?.message ?? err);
  const code = String(e?.code ?? '');
  const text = `${code} ${msg}`;
  if (/EACCES|EPERM|permission denied|LIBUSB_ERROR_ACCESS|access denied|PermissionDenied/i.test(text)) {
    const hint =
      kind === 'serial'
        ? `add the user to the 'dialout' group (sudo usermod -aG dialout $USER, then log in again) or install ${UDEV_RULES_FILE}`
        : kind === 'usb'
          ? `install ${UDEV_RULES_FILE} (sudo cp it to /etc/udev/rules.d/ && sudo udevadm control --reload && sudo udevadm trigger), add the user to 'plugdev', and replug the device`
          : kind === 'hid'
            ? `install ${UDEV_RULES_FILE} so /dev/hidraw* is readable by group 'plugdev' (TAG+="uaccess"), then replug`
            : 'the OS refused the connection';
    return new TransportError('ACCESS', `permission denied opening ${where}`, hint, { cause: err });
  }
  if (/ENOENT|no such file|not found|LIBUSB_ERROR_NO_DEVICE|LIBUSB_ERROR_NOT_FOUND/i.test(text)) {
    return new TransportError('NOT_FOUND', `${where} not found (${msg})`, 'check the cable and `tillstream devices list`', { cause: err });
  }
  if (/EBUSY|LIBUSB_ERROR_BUSY|resource busy|Cannot lock port|locked/i.test(text)) {
    return new TransportError('BUSY', `${where} is in use (${msg})`, 'another program (or the kernel usblp driver) holds it', { cause: err });
  }
  if (/ECONNREFUSED|EHOSTUNREACH|ENETUNREACH/i.test(text)) {
    return new TransportError('NOT_FOUND', `${where} refused or unreachable (${msg})`, 'check the printer IP address and that it is powered on', { cause: err });
  }
  if (/ETIMEDOUT|timed out/i.test(text)) return new TransportError('TIMEOUT', `${where}: ${msg}`, undefined, { cause: err });
  return new TransportError('IO', `${where}: ${msg}`, undefined, { cause: err });
}
