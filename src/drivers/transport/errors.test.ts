import { describe, expect, it } from 'vitest';
import { classifyOpenError } from './errors';

describe('open error classification', () => {
  it('turns permission errors into a hint naming the group or udev rule', () => {
    const serial = classifyOpenError(Object.assign(new Error("Error: Permission denied, cannot open /dev/ttyUSB0"), { code: 'EACCES' }), 'serial /dev/ttyUSB0', 'serial');
    expect(serial.code).toBe('ACCESS');
    expect(serial.message).toContain("'dialout'");
    const usb = classifyOpenError(new Error('LIBUSB_ERROR_ACCESS'), 'usb 04b8:0202', 'usb');
    expect(usb.code).toBe('ACCESS');
    expect(usb.message).toContain('resources/udev/60-tillstream.rules');
    expect(usb.message).toContain('plugdev');
  });

  it('classifies absent, busy and refused', () => {
    expect(classifyOpenError(Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' }), 'x', 'serial').code).toBe('NOT_FOUND');
    expect(classifyOpenError(new Error('Error Resource temporarily unavailable Cannot lock port'), 'x', 'serial').code).toBe('BUSY');
    expect(classifyOpenError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'x', 'tcp').code).toBe('NOT_FOUND');
  });
});
