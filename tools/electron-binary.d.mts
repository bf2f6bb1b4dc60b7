// Types for tools/electron-binary.mjs (plain ESM so it runs at install time).
export function electronBinary(root: string): string | null;
