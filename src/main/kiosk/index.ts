// Kiosk mode's own logic, without Electron: which keys the window swallows, and the
// manager-PIN exit (main.ts connects them to `before-input-event`).
export { classifyKey, EXIT_CHORD, type KeyDecision, type KeyInput } from './keys';
export { EXIT_PIN_RE, KioskExitGate, PinCapture, type ExitResult, type KioskManager } from './exit-gate';
